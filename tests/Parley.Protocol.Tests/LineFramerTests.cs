using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Parley.Protocol.Tests.Support;

namespace Parley.Protocol.Tests;

public sealed class LineFramerTests
{
    /// <summary>How an over-long line shows up in the framed output of these tests.</summary>
    private const string TooLong = "<too long>";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>CRLF and LF endings, empty lines, a tagged line, multi-byte UTF-8, a bare CR inside a line.</summary>
    private static readonly string[] MixedLines =
    [
        "PING :a\r\n",
        "@time=2024-01-02T03:04:05.678Z;+draft/reply=x\\sy :nïck!ü@hôst PRIVMSG #café :héllo wörld 🎉\n",
        "\r\n",
        "\n",
        "PRIVMSG #c :bare\rcr inside\r\n",
        "x\r\r\n",
        "QUIT :bye\n",
    ];

    private static readonly string[] MixedExpected =
    [
        "PING :a",
        "@time=2024-01-02T03:04:05.678Z;+draft/reply=x\\sy :nïck!ü@hôst PRIVMSG #café :héllo wörld 🎉",
        "",
        "",
        "PRIVMSG #c :bare\rcr inside",
        "x\r",
        "QUIT :bye",
    ];

    private const int OverLongCap = 32;

    /// <summary>With a cap of 32: over-long lines among good ones, each reported once, the next line intact.</summary>
    private static readonly string[] OverLongLines =
    [
        "short 1\r\n",
        new string('a', 100) + "\r\n",
        "after 1\n",
        new string('b', OverLongCap + 1) + "\n",
        new string('c', OverLongCap) + "\r\n",
        // The CR before 'x' is content: 34 bytes.
        new string('d', OverLongCap) + "\rx\n",
        new string('e', OverLongCap + 1) + "\r\n",
        "end\n",
    ];

    private static readonly string[] OverLongExpected =
    [
        "short 1",
        TooLong,
        "after 1",
        TooLong,
        new string('c', OverLongCap),
        TooLong,
        TooLong,
        "end",
    ];

    public static TheoryData<string> Streams => new() { "mixed", "over-long" };

    [Theory]
    [MemberData(nameof(Streams))]
    public void TryReadLine_WholeStreamInOneSegment_ReadsEveryLine(string stream)
    {
        var (cap, data, expected) = Stream(stream);

        var run = Feed(cap, [data]);

        Assert.Equal(expected, run.Output);
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void TryReadLine_StreamSplitInTwoReadsAtEveryOffset_ReadsTheSameLines(string stream)
    {
        var (cap, data, expected) = Stream(stream);

        for (var i = 0; i <= data.Length; i++)
        {
            var run = Feed(cap, Segments.Split(data, i));

            Assert.True(expected.SequenceEqual(run.Output), $"split at {i}: [{string.Join(" | ", run.Output)}]");
            Assert.InRange(run.MaxRetained, 0, cap + 1);
        }
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void TryReadLine_StreamSplitInThreeReadsAtEveryPairOfOffsets_ReadsTheSameLines(string stream)
    {
        var (cap, data, expected) = Stream(stream);

        for (var i = 0; i <= data.Length; i++)
        {
            for (var j = i; j <= data.Length; j++)
            {
                var run = Feed(cap, Segments.Split(data, i, j));

                Assert.True(expected.SequenceEqual(run.Output), $"split at {i}, {j}: [{string.Join(" | ", run.Output)}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void TryReadLine_TwoSegmentBufferSplitAtEveryOffset_ReadsTheSameLines(string stream)
    {
        var (cap, data, expected) = Stream(stream);

        for (var i = 0; i <= data.Length; i++)
        {
            // One read whose buffer happens to span two segments, the boundary anywhere.
            var run = FeedSequences(cap, [Segments.Create(Segments.Split(data, i))]);

            Assert.True(expected.SequenceEqual(run.Output), $"boundary at {i}: [{string.Join(" | ", run.Output)}]");
        }
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void TryReadLine_OneByteReads_ReadsTheSameLines(string stream)
    {
        var (cap, data, expected) = Stream(stream);

        var run = Feed(cap, Segments.Chunks(data, 1));

        Assert.Equal(expected, run.Output);
        Assert.InRange(run.MaxRetained, 0, cap + 1);
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void TryReadLine_OneBufferOfOneByteAndEmptySegments_ReadsTheSameLines(string stream)
    {
        var (cap, data, expected) = Stream(stream);
        var pieces = new List<ReadOnlyMemory<byte>> { ReadOnlyMemory<byte>.Empty };
        foreach (var b in data)
        {
            pieces.Add(new[] { b });
            pieces.Add(ReadOnlyMemory<byte>.Empty);
        }

        var run = FeedSequences(cap, [Segments.Create(pieces)]);

        Assert.Equal(expected, run.Output);
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task TryReadLine_ThroughAPipeSplitAtEveryOffset_ReadsTheSameLines(string stream)
    {
        var (cap, data, expected) = Stream(stream);

        for (var i = 0; i <= data.Length; i++)
        {
            var output = await FeedPipeAsync(cap, Segments.Split(data, i));

            Assert.True(expected.SequenceEqual(output), $"split at {i}: [{string.Join(" | ", output)}]");
        }
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task TryReadLine_ThroughAPipeInOneByteWrites_ReadsTheSameLines(string stream)
    {
        var (cap, data, expected) = Stream(stream);

        var output = await FeedPipeAsync(cap, Segments.Chunks(data, 1));

        Assert.Equal(expected, output);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(4096)]
    public void TryReadLine_OverLongLineInSmallChunksWithoutLf_IsReportedOnceAndNotBuffered(int chunkSize)
    {
        const int cap = 32;
        var data = Encoding.UTF8.GetBytes(new string('a', 10_000) + "\nnext\r\n");

        var run = Feed(cap, Segments.Chunks(data, chunkSize));

        Assert.Equal([TooLong, "next"], run.Output);
        // Never more kept than a line that could still fit (its CR included).
        Assert.InRange(run.MaxRetained, 0, cap + 1);
    }

    [Fact]
    public void TryReadLine_OverLongLine_IsReportedBeforeItsLfArrives()
    {
        const int cap = 8;
        var framer = new LineFramer(cap);

        // cap + 1 bytes may still be a line of cap bytes and its CR.
        var buffer = Sequence("123456789");
        Assert.Equal(FrameResult.NeedMoreData, framer.TryReadLine(ref buffer, out _));
        Assert.Equal(9, buffer.Length);

        buffer = Sequence("1234567890");
        Assert.Equal(FrameResult.TooLong, framer.TryReadLine(ref buffer, out _));
        Assert.True(buffer.IsEmpty);

        // The rest of that line is dropped as it comes, silently.
        buffer = Sequence("more and more");
        Assert.Equal(FrameResult.NeedMoreData, framer.TryReadLine(ref buffer, out _));
        Assert.True(buffer.IsEmpty);

        buffer = Sequence("tail\nok\n");
        Assert.Equal(FrameResult.Line, framer.TryReadLine(ref buffer, out var line));
        Assert.Equal("ok", Text(line));
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData("12345678\n", "12345678")]
    [InlineData("12345678\r\n", "12345678")]
    [InlineData("123456789\n", TooLong)]
    [InlineData("123456789\r\n", TooLong)]
    [InlineData("12345678\r\r\n", TooLong)]
    [InlineData("1234567\r\r\n", "1234567\r")]
    public void TryReadLine_LineAtTheCap_IsReadAndOneByteMoreIsTooLong(string input, string expected)
    {
        const int cap = 8;
        var data = Encoding.UTF8.GetBytes(input + "next\n");

        Assert.Equal([expected, "next"], Feed(cap, [data]).Output);
        Assert.Equal([expected, "next"], Feed(cap, Segments.Chunks(data, 1)).Output);
    }

    [Fact]
    public void TryReadLine_FramedLineLimit_AdmitsFullTagsAndBody()
    {
        var line = "@a=" + new string('x', IrcLimits.MaxFramedLineBytes - 3);
        var data = Encoding.UTF8.GetBytes(line + "\r\n" + line + "y\r\nPING\r\n");

        var run = Feed(IrcLimits.MaxFramedLineBytes, Segments.Chunks(data, 1000));

        Assert.Equal([line, TooLong, "PING"], run.Output);
    }

    [Fact]
    public void TryReadLine_BareCr_DoesNotEndALine()
    {
        var framer = new LineFramer(64);
        var buffer = Sequence("a\rb\rc\r");

        Assert.Equal(FrameResult.NeedMoreData, framer.TryReadLine(ref buffer, out _));

        buffer = Sequence("a\rb\rc\r\n");
        Assert.Equal(FrameResult.Line, framer.TryReadLine(ref buffer, out var line));
        Assert.Equal("a\rb\rc", Text(line));
    }

    [Fact]
    public void TryReadLine_NeedMoreData_LeavesThePartialLineInTheBuffer()
    {
        var framer = new LineFramer(64);
        var buffer = Sequence("PING :par");
        var before = buffer;

        Assert.Equal(FrameResult.NeedMoreData, framer.TryReadLine(ref buffer, out _));

        Assert.Equal(before.Start, buffer.Start);
        Assert.Equal(before.End, buffer.End);
    }

    [Fact]
    public void TryReadLine_EmptyBuffer_NeedsMoreData()
    {
        var framer = new LineFramer(64);
        var buffer = ReadOnlySequence<byte>.Empty;

        Assert.Equal(FrameResult.NeedMoreData, framer.TryReadLine(ref buffer, out _));
    }

    [Fact]
    public void TryReadLine_Line_AdvancesPastItsLineEnding()
    {
        var framer = new LineFramer(64);
        var buffer = Sequence("A\r\nB\nC");

        Assert.Equal(FrameResult.Line, framer.TryReadLine(ref buffer, out var first));
        Assert.Equal("A", Text(first));
        Assert.Equal("B\nC", Text(buffer));
        Assert.Equal(FrameResult.Line, framer.TryReadLine(ref buffer, out var second));
        Assert.Equal("B", Text(second));
        Assert.Equal("C", Text(buffer));
        Assert.Equal(FrameResult.NeedMoreData, framer.TryReadLine(ref buffer, out _));
        Assert.Equal("C", Text(buffer));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Constructor_CapNotPositive_Throws(int cap)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LineFramer(cap));
    }

    [Fact]
    public void TryReadLine_LargestCap_WaitsForTheLineEnd()
    {
        // cap + 1 must not overflow into a negative bound that calls every partial line too long.
        var framer = new LineFramer(int.MaxValue);
        var buffer = Sequence("PING :par");

        Assert.Equal(FrameResult.NeedMoreData, framer.TryReadLine(ref buffer, out _));
        Assert.Equal(9, buffer.Length);
    }

    private static (int Cap, byte[] Data, string[] Expected) Stream(string name) => name switch
    {
        "mixed" => (IrcLimits.MaxFramedLineBytes, Encoding.UTF8.GetBytes(string.Concat(MixedLines)), MixedExpected),
        "over-long" => (OverLongCap, Encoding.UTF8.GetBytes(string.Concat(OverLongLines)), OverLongExpected),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private sealed record Run(List<string> Output, long MaxRetained);

    /// <summary>
    /// Feeds chunks the way a read loop does: what was left unconsumed stays (with its own
    /// segment boundaries) and the next read is appended to it as a new segment.
    /// </summary>
    private static Run Feed(int cap, IEnumerable<byte[]> chunks)
    {
        var framer = new LineFramer(cap);
        var output = new List<string>();
        var retained = new List<ReadOnlyMemory<byte>>();
        long maxRetained = 0;
        foreach (var chunk in chunks)
        {
            retained.Add(chunk);
            var buffer = Segments.Create(retained);
            FrameAll(ref framer, ref buffer, output);
            retained = Segments.Pieces(buffer);
            maxRetained = Math.Max(maxRetained, buffer.Length);
        }
        return new Run(output, maxRetained);
    }

    /// <summary>Feeds whole sequences, one read each, with nothing carried between them but the framer.</summary>
    private static Run FeedSequences(int cap, IEnumerable<ReadOnlySequence<byte>> reads)
    {
        var framer = new LineFramer(cap);
        var output = new List<string>();
        long maxRetained = 0;
        foreach (var read in reads)
        {
            var buffer = read;
            FrameAll(ref framer, ref buffer, output);
            maxRetained = Math.Max(maxRetained, buffer.Length);
        }
        return new Run(output, maxRetained);
    }

    /// <summary>The canonical pipe read loop: read, frame every whole line, AdvanceTo(consumed, examined).</summary>
    private static async Task<List<string>> FeedPipeAsync(int cap, IEnumerable<byte[]> chunks)
    {
        // A pipe that never pauses, with the smallest segments, so reads span many segments.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: 1, useSynchronizationContext: false));
        var framer = new LineFramer(cap);
        var output = new List<string>();
        foreach (var chunk in chunks.Where(c => c.Length > 0))
        {
            pipe.Writer.Write(chunk);
            await pipe.Writer.FlushAsync().AsTask().WaitAsync(Timeout);

            var result = await pipe.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
            var buffer = result.Buffer;
            FrameAll(ref framer, ref buffer, output);
            pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
        }
        await pipe.Writer.CompleteAsync().AsTask().WaitAsync(Timeout);
        await pipe.Reader.CompleteAsync().AsTask().WaitAsync(Timeout);
        return output;
    }

    private static void FrameAll(ref LineFramer framer, ref ReadOnlySequence<byte> buffer, List<string> output)
    {
        while (true)
        {
            var before = buffer;
            var result = framer.TryReadLine(ref buffer, out var line);
            switch (result)
            {
                case FrameResult.Line:
                    output.Add(Text(line));
                    break;
                case FrameResult.TooLong:
                    output.Add(TooLong);
                    break;
                default:
                    // Unchanged, unless the tail of a line already reported too long was dropped.
                    Assert.True(
                        before.Length == buffer.Length || (output.Count > 0 && output[^1] == TooLong),
                        "NeedMoreData consumed bytes outside an over-long line");
                    return;
            }
        }
    }

    private static ReadOnlySequence<byte> Sequence(string text) => new(Encoding.UTF8.GetBytes(text));

    private static string Text(in ReadOnlySequence<byte> bytes) => Encoding.UTF8.GetString(bytes.ToArray());
}
