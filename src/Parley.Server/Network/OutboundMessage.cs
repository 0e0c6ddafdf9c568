using System.Buffers;
using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>
/// A message on its way to one or more clients. Encoded once per capability variant
/// (ARCHITECTURE.md rule 6): recipients with the same <see cref="Capability.EncodingMask"/>
/// bits share the same bytes.
/// </summary>
/// <remarks>
/// Thread-safe: the variant cache is filled under a lock; the bytes are immutable once made.
/// Tags by capability: server-time gives <c>time</c>; message-tags gives <c>msgid</c>, the
/// client-only tags and <c>bot</c>; account-tag gives <c>account</c>.
/// </remarks>
public sealed class OutboundMessage
{
    private readonly Lock _gate = new();
    private (Capability Key, byte[] Bytes)[]? _variants;
    private int _variantCount;

    public OutboundMessage(string? source, string command, params string[] parameters)
    {
        Source = source;
        Command = command;
        Parameters = parameters;
    }

    public string? Source { get; }
    public string Command { get; }
    public IReadOnlyList<string> Parameters { get; }

    /// <summary>Server time (ISO 8601 with milliseconds, UTC), sent as <c>time</c>.</summary>
    public string? Time { get; init; }
    public string? MsgId { get; init; }
    public string? Account { get; init; }
    public bool Bot { get; init; }
    public IReadOnlyList<IrcTag>? ClientTags { get; init; }

    /// <summary>Tags sent to every recipient that has message-tags (for example <c>draft/multiline-concat</c>).</summary>
    public IReadOnlyList<IrcTag>? ExtraTags { get; init; }

    /// <summary>The bytes for a recipient with these capabilities, CRLF included.</summary>
    public byte[] GetBytes(Capability caps)
    {
        var key = caps & Capability.EncodingMask;
        lock (_gate)
        {
            for (var i = 0; i < _variantCount; i++)
            {
                if (_variants![i].Key == key)
                {
                    return _variants[i].Bytes;
                }
            }
            var bytes = Encode(key, null, null);
            _variants ??= new (Capability, byte[])[2];
            if (_variantCount == _variants.Length)
            {
                Array.Resize(ref _variants, _variants.Length * 2);
            }
            _variants[_variantCount++] = (key, bytes);
            return bytes;
        }
    }

    /// <summary>Encodes for one recipient with per-recipient tags (label, batch), uncached.</summary>
    public byte[] Encode(Capability caps, string? label, string? batch)
    {
        var tags = new List<IrcTag>(4);
        if (label is not null && caps.HasFlag(Capability.LabeledResponse))
        {
            tags.Add(new IrcTag("label", label));
        }
        if (batch is not null && caps.HasFlag(Capability.Batch))
        {
            tags.Add(new IrcTag("batch", batch));
        }
        if (Time is not null && caps.HasFlag(Capability.ServerTime))
        {
            tags.Add(new IrcTag("time", Time));
        }
        if (Account is not null && caps.HasFlag(Capability.AccountTag))
        {
            tags.Add(new IrcTag("account", Account));
        }
        if (caps.HasFlag(Capability.MessageTags))
        {
            if (MsgId is not null)
            {
                tags.Add(new IrcTag("msgid", MsgId));
            }
            if (Bot)
            {
                tags.Add(new IrcTag("bot", null));
            }
            if (ExtraTags is not null)
            {
                tags.AddRange(ExtraTags);
            }
            if (ClientTags is not null)
            {
                tags.AddRange(ClientTags);
            }
        }
        var buffer = new ArrayBufferWriter<byte>(256);
        IrcWriter.Write(buffer, IrcWriter.FormatTags(tags), Source, Command, Parameters, forceTrailing: false);
        return buffer.WrittenSpan.ToArray();
    }

    public override string ToString()
        => System.Text.Encoding.UTF8.GetString(Encode(Capability.None, null, null)).TrimEnd();
}
