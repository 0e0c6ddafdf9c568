using System.Buffers.Text;

namespace Parley.ClusterLoad;

/// <summary>
/// A measured message's text: "&lt;sender&gt;:&lt;seq&gt;:&lt;send ticks&gt;:" padded with 'x' to the
/// run's size. The ticks are this process's <see cref="System.Diagnostics.Stopwatch"/> timestamp
/// (CLOCK_MONOTONIC) taken when the line was written, so every delivery's latency is exact.
/// </summary>
internal static class Payload
{
    /// <summary>The longest prefix: two ints, a long and three colons.</summary>
    public const int MaxPrefix = 10 + 1 + 19 + 1 + 19 + 1;

    /// <summary>Writes the text into <paramref name="dest"/> (at least <paramref name="size"/> and <see cref="MaxPrefix"/> bytes); returns its length.</summary>
    public static int Write(Span<byte> dest, int sender, long seq, long ticks, int size)
    {
        var pos = 0;
        Utf8Formatter.TryFormat(sender, dest, out var w);
        pos += w;
        dest[pos++] = (byte)':';
        Utf8Formatter.TryFormat(seq, dest[pos..], out w);
        pos += w;
        dest[pos++] = (byte)':';
        Utf8Formatter.TryFormat(ticks, dest[pos..], out w);
        pos += w;
        dest[pos++] = (byte)':';
        if (pos < size)
        {
            dest[pos..size].Fill((byte)'x');
            pos = size;
        }
        return pos;
    }

    /// <summary>Reads a text <see cref="Write"/> made; false for anything else (someone else's message).</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out int sender, out long seq, out long ticks)
    {
        seq = 0;
        ticks = 0;
        if (!Utf8Parser.TryParse(text, out sender, out var n) || n >= text.Length || text[n] != (byte)':' || sender < 0)
        {
            return false;
        }
        text = text[(n + 1)..];
        if (!Utf8Parser.TryParse(text, out seq, out n) || n >= text.Length || text[n] != (byte)':' || seq < 1)
        {
            return false;
        }
        text = text[(n + 1)..];
        return Utf8Parser.TryParse(text, out ticks, out n) && n < text.Length && text[n] == (byte)':';
    }
}
