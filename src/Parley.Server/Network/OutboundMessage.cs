using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>
/// A message on its way to one or more clients. Encoded once per capability variant
/// (ARCHITECTURE.md rule 6): recipients with the same <see cref="Capability.EncodingMask"/>
/// bits share the same bytes.
/// </summary>
/// <remarks>
/// Thread-safe: the variant cache is an immutable array replaced with a compare-and-swap (two
/// threads may encode the same variant at once; one copy wins); the bytes never change.
/// Tags by capability: server-time gives <c>time</c>; message-tags gives <c>msgid</c>, the
/// client-only tags and <c>bot</c>; account-tag gives <c>account</c>.
/// </remarks>
public sealed class OutboundMessage
{
    private (Capability Key, byte[] Bytes)[]? _variants;

    [ThreadStatic]
    private static System.Text.StringBuilder? t_tags;

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
        while (true)
        {
            var variants = Volatile.Read(ref _variants);
            if (variants is not null)
            {
                foreach (var (k, bytes) in variants)
                {
                    if (k == key)
                    {
                        return bytes;
                    }
                }
            }
            var made = Encode(key, null, null);
            (Capability, byte[])[] grown = variants is null ? [(key, made)] : [.. variants, (key, made)];
            if (Interlocked.CompareExchange(ref _variants, grown, variants) == variants)
            {
                return made;
            }
        }
    }

    /// <summary>Encodes for one recipient with per-recipient tags (label, batch), uncached.</summary>
    public byte[] Encode(Capability caps, string? label, string? batch)
    {
        var tags = t_tags ??= new System.Text.StringBuilder(256);
        tags.Clear();
        if (label is not null && (caps & Capability.LabeledResponse) != 0)
        {
            AppendTag(tags, "label", label);
        }
        if (batch is not null && (caps & Capability.Batch) != 0)
        {
            AppendTag(tags, "batch", batch);
        }
        if (Time is not null && (caps & Capability.ServerTime) != 0)
        {
            AppendTag(tags, "time", Time);
        }
        if (Account is not null && (caps & Capability.AccountTag) != 0)
        {
            AppendTag(tags, "account", Account);
        }
        if ((caps & Capability.MessageTags) != 0)
        {
            if (MsgId is not null)
            {
                AppendTag(tags, "msgid", MsgId);
            }
            if (Bot)
            {
                AppendTag(tags, "bot", null);
            }
            var more = IrcWriter.FormatTags(Concat(ExtraTags, ClientTags));
            if (more is not null)
            {
                tags.Append(tags.Length > 0 ? ";" : "").Append(more);
            }
        }
        return IrcWriter.EncodeLine(tags.Length == 0 ? null : tags.ToString(), Source, Command, Parameters, forceTrailing: false);
    }

    private static void AppendTag(System.Text.StringBuilder tags, string key, string? value)
    {
        if (tags.Length > 0)
        {
            tags.Append(';');
        }
        tags.Append(key);
        if (!string.IsNullOrEmpty(value))
        {
            tags.Append('=').Append(TagEscaping.Escape(value));
        }
    }

    private static IReadOnlyList<IrcTag>? Concat(IReadOnlyList<IrcTag>? a, IReadOnlyList<IrcTag>? b)
        => a is null ? b : b is null ? a : [.. a, .. b];

    public override string ToString()
        => System.Text.Encoding.UTF8.GetString(Encode(Capability.None, null, null)).TrimEnd();
}
