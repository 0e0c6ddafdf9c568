using System.Buffers;
using System.Text;

namespace Parley.Protocol;

/// <summary>
/// Serializes messages straight into an <see cref="IBufferWriter{T}"/>: the size is computed
/// first, then one GetSpan and one Advance. Thread-safe (stateless).
/// </summary>
/// <remarks>
/// The last parameter is written as a trailing (with ':') when it is empty, holds a space or
/// starts with ':'; CR, LF and NUL inside any field are written as spaces so that no
/// parameter can inject a second line (a last parameter holding one is therefore written as a
/// trailing too). Tag values are escaped, and a tag whose key could not be read back as one
/// key (empty, or holding a space, ';', '=', CR, LF or NUL) is left out.
/// </remarks>
public static class IrcWriter
{
    private static readonly SearchValues<char> Unsafe = SearchValues.Create("\r\n\0");

    /// <summary>What forces a last parameter to be a trailing: a space, or what will be written as one.</summary>
    private static readonly SearchValues<char> SpaceOrUnsafe = SearchValues.Create(" \r\n\0");

    private static readonly SearchValues<char> NotInTagKey = SearchValues.Create(" ;=\r\n\0");

    public static void Write(IBufferWriter<byte> output, IrcMessage message)
        => Write(output, message.Tags, message.Source, message.Command, message.Parameters);

    public static void Write(IBufferWriter<byte> output, IReadOnlyList<IrcTag>? tags, string? source, string command, IReadOnlyList<string> parameters)
    {
        var tagPrefix = FormatTags(tags);
        Write(output, tagPrefix, source, command, parameters, forceTrailing: false);
    }

    /// <summary>
    /// Writes a line whose tags are already formatted (<paramref name="tagPrefix"/> is
    /// "key=value;key2" without '@' and space, or null).
    /// </summary>
    public static void Write(IBufferWriter<byte> output, string? tagPrefix, string? source, string command, IReadOnlyList<string> parameters, bool forceTrailing)
    {
        var size = Measure(tagPrefix, source, command, ref parameters, forceTrailing);
        var written = WriteInto(output.GetSpan(size), tagPrefix, source, command, parameters, forceTrailing);
        output.Advance(written);
    }

    /// <summary>The line as a new array of exactly its size (CRLF included): one allocation.</summary>
    public static byte[] EncodeLine(string? tagPrefix, string? source, string command, IReadOnlyList<string> parameters, bool forceTrailing = false)
    {
        var size = Measure(tagPrefix, source, command, ref parameters, forceTrailing);
        var bytes = new byte[size];
        var written = WriteInto(bytes, tagPrefix, source, command, parameters, forceTrailing);
        return written == size ? bytes : bytes[..written];
    }

    /// <summary>The size of the line, CRLF included; shortens over-long parameters first (<see cref="LineFit"/>).</summary>
    private static int Measure(string? tagPrefix, string? source, string command, ref IReadOnlyList<string> parameters, bool forceTrailing)
    {
        var body = BodySize(source, command, parameters, forceTrailing);
        if (body > IrcLimits.MaxLineBodyBytes)
        {
            // No line leaves longer than 512 bytes: the longest parameters give way (LineFit).
            parameters = LineFit.Fit(source, command, [.. parameters]);
            body = BodySize(source, command, parameters, forceTrailing);
        }
        var size = body + 2; // CRLF
        if (!string.IsNullOrEmpty(tagPrefix))
        {
            size += 2 + Encoding.UTF8.GetByteCount(tagPrefix);
        }
        return size;
    }

    private static int WriteInto(Span<byte> span, string? tagPrefix, string? source, string command, IReadOnlyList<string> parameters, bool forceTrailing)
    {
        var pos = 0;
        if (!string.IsNullOrEmpty(tagPrefix))
        {
            span[pos++] = (byte)'@';
            pos += Encode(tagPrefix, span[pos..]);
            span[pos++] = (byte)' ';
        }
        if (source is not null)
        {
            span[pos++] = (byte)':';
            pos += Encode(source, span[pos..]);
            span[pos++] = (byte)' ';
        }
        pos += Encode(command, span[pos..]);
        for (var i = 0; i < parameters.Count; i++)
        {
            span[pos++] = (byte)' ';
            if (i == parameters.Count - 1 && NeedsTrailing(parameters[i], forceTrailing))
            {
                span[pos++] = (byte)':';
            }
            pos += Encode(parameters[i], span[pos..]);
        }
        span[pos++] = (byte)'\r';
        span[pos++] = (byte)'\n';
        return pos;
    }

    /// <summary>Bytes of <c>[:source ]COMMAND params</c>, without tags and CRLF.</summary>
    private static int BodySize(string? source, string command, IReadOnlyList<string> parameters, bool forceTrailing)
    {
        var enc = Encoding.UTF8;
        var size = source is not null ? 2 + enc.GetByteCount(source) : 0;
        size += enc.GetByteCount(command);
        for (var i = 0; i < parameters.Count; i++)
        {
            size += 1 + enc.GetByteCount(parameters[i]);
            if (i == parameters.Count - 1 && NeedsTrailing(parameters[i], forceTrailing))
            {
                size++;
            }
        }
        return size;
    }

    /// <summary>Formats tags as "key=escaped;key2" (no '@'), or null when there are none.</summary>
    public static string? FormatTags(IReadOnlyList<IrcTag>? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return null;
        }
        var sb = new StringBuilder();
        foreach (var tag in tags)
        {
            // A key cannot be escaped: one that would split the tags section is dropped rather
            // than let it end the section early and smuggle in a source or verb.
            if (tag.Key.Length == 0 || tag.Key.AsSpan().ContainsAny(NotInTagKey))
            {
                continue;
            }
            if (sb.Length > 0)
            {
                sb.Append(';');
            }
            sb.Append(tag.Key);
            if (!string.IsNullOrEmpty(tag.Value))
            {
                sb.Append('=').Append(TagEscaping.Escape(tag.Value));
            }
        }
        return sb.Length == 0 ? null : sb.ToString();
    }

    /// <summary>The line as bytes, CRLF included.</summary>
    public static byte[] ToBytes(IrcMessage message)
        => EncodeLine(FormatTags(message.Tags), message.Source, message.Command, message.Parameters);

    /// <summary>The line as a string, without CRLF.</summary>
    public static string ToLine(IrcMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        Write(buffer, message);
        return Encoding.UTF8.GetString(buffer.WrittenSpan[..^2]);
    }

    private static bool NeedsTrailing(string p, bool force)
        => force || p.Length == 0 || p[0] == ':' || p.AsSpan().ContainsAny(SpaceOrUnsafe);

    private static int Encode(string s, Span<byte> destination)
    {
        var n = Encoding.UTF8.GetBytes(s, destination);
        if (s.AsSpan().IndexOfAny(Unsafe) >= 0)
        {
            var written = destination[..n];
            written.Replace((byte)'\r', (byte)' ');
            written.Replace((byte)'\n', (byte)' ');
            written.Replace((byte)0, (byte)' ');
        }
        return n;
    }
}
