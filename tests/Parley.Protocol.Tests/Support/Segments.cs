using System.Buffers;

namespace Parley.Protocol.Tests.Support;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, so tests see the segment boundaries a socket would.</summary>
internal static class Segments
{
    /// <summary>One segment per piece, in order; empty pieces become empty segments.</summary>
    public static ReadOnlySequence<byte> Create(IReadOnlyList<ReadOnlyMemory<byte>> pieces)
    {
        if (pieces.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        var first = new Segment(pieces[0], 0);
        var last = first;
        for (var i = 1; i < pieces.Count; i++)
        {
            last = last.Append(pieces[i]);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static ReadOnlySequence<byte> Create(params byte[][] pieces)
        => Create(pieces.Select(p => (ReadOnlyMemory<byte>)p).ToArray());

    /// <summary>The data cut at each offset in <paramref name="cuts"/> (ascending, within the data).</summary>
    public static byte[][] Split(byte[] data, params int[] cuts)
    {
        var pieces = new List<byte[]>(cuts.Length + 1);
        var start = 0;
        foreach (var cut in cuts)
        {
            pieces.Add(data[start..cut]);
            start = cut;
        }
        pieces.Add(data[start..]);
        return [.. pieces];
    }

    /// <summary>The data as chunks of <paramref name="size"/> bytes (the last may be shorter).</summary>
    public static byte[][] Chunks(byte[] data, int size) => data.Chunk(size).ToArray();

    /// <summary>The memory pieces of a sequence, keeping its segment boundaries.</summary>
    public static List<ReadOnlyMemory<byte>> Pieces(in ReadOnlySequence<byte> sequence)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        foreach (var memory in sequence)
        {
            pieces.Add(memory);
        }
        return pieces;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
