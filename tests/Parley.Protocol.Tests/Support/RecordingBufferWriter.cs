using System.Buffers;

namespace Parley.Protocol.Tests.Support;

/// <summary>An <see cref="IBufferWriter{T}"/> that records each GetSpan hint and Advance count.</summary>
internal sealed class RecordingBufferWriter : IBufferWriter<byte>
{
    private readonly ArrayBufferWriter<byte> _inner = new();

    public List<int> SizeHints { get; } = [];

    public List<int> Advances { get; } = [];

    public ReadOnlySpan<byte> WrittenSpan => _inner.WrittenSpan;

    public void Advance(int count)
    {
        Advances.Add(count);
        _inner.Advance(count);
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        SizeHints.Add(sizeHint);
        return _inner.GetMemory(sizeHint);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        SizeHints.Add(sizeHint);
        return _inner.GetSpan(sizeHint);
    }
}
