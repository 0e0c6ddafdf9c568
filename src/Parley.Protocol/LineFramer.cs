using System.Buffers;

namespace Parley.Protocol;

/// <summary>What <see cref="LineFramer.TryReadLine"/> found.</summary>
public enum FrameResult
{
    /// <summary>No whole line in the buffer yet.</summary>
    NeedMoreData,

    /// <summary>A line, without its CRLF or LF.</summary>
    Line,

    /// <summary>
    /// A line longer than the cap: it was dropped (up to and including its LF, or all that is
    /// buffered while its end has not arrived; the rest is dropped as it comes).
    /// Reported once per over-long line.
    /// </summary>
    TooLong,
}

/// <summary>
/// Splits a byte stream into IRC lines ending in CRLF or LF (Modern IRC), with a length cap.
/// One per connection; not thread-safe (the read loop owns it).
/// </summary>
public struct LineFramer(int maxLineBytes)
{
    private bool _discarding;

    /// <summary>The longest line accepted, in bytes, without its CRLF or LF.</summary>
    public readonly int MaxLineBytes { get; } = maxLineBytes > 0
        ? maxLineBytes
        : throw new ArgumentOutOfRangeException(nameof(maxLineBytes), maxLineBytes, "A line cap must be positive.");

    /// <summary>
    /// Takes the next line off the front of <paramref name="buffer"/>. On
    /// <see cref="FrameResult.NeedMoreData"/> the buffer is unchanged (unless an over-long
    /// line is being dropped) and the caller reads more.
    /// </summary>
    public FrameResult TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        line = default;
        while (true)
        {
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is null)
            {
                if (_discarding)
                {
                    buffer = buffer.Slice(buffer.End);
                    return FrameResult.NeedMoreData;
                }
                // A line of MaxLineBytes may still be waiting for the LF after its CR.
                if (buffer.Length > (long)MaxLineBytes + 1)
                {
                    // The line cannot fit whatever comes next: drop it now so the buffer stays bounded.
                    buffer = buffer.Slice(buffer.End);
                    _discarding = true;
                    return FrameResult.TooLong;
                }
                return FrameResult.NeedMoreData;
            }

            var candidate = buffer.Slice(0, lf.Value);
            buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
            if (_discarding)
            {
                // The tail of a line already reported as too long.
                _discarding = false;
                continue;
            }
            if (candidate.Length > 0 && EndsWithCr(candidate))
            {
                candidate = candidate.Slice(0, candidate.Length - 1);
            }
            if (candidate.Length > MaxLineBytes)
            {
                return FrameResult.TooLong;
            }
            line = candidate;
            return FrameResult.Line;
        }
    }

    private static bool EndsWithCr(in ReadOnlySequence<byte> s)
    {
        if (s.IsSingleSegment)
        {
            return s.FirstSpan[^1] == (byte)'\r';
        }
        return s.Slice(s.Length - 1).FirstSpan[0] == (byte)'\r';
    }
}
