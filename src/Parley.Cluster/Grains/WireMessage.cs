using System.Text;
using Parley.Protocol;
using Parley.Server.Network;

namespace Parley.Cluster.Grains;

/// <summary>
/// An <see cref="OutboundMessage"/> as it travels between nodes: its fields, the client-only
/// tags in wire form. The receiving node rebuilds the message and encodes it for its clients.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record WireMessage(
    [property: Id(0)] string? Source,
    [property: Id(1)] string Command,
    [property: Id(2)] string[] Parameters,
    [property: Id(3)] string? Time,
    [property: Id(4)] string? MsgId,
    [property: Id(5)] string? Account,
    [property: Id(6)] bool Bot,
    [property: Id(7)] string? ClientTags)
{
    public static WireMessage From(OutboundMessage m)
        => new(m.Source, m.Command, [.. m.Parameters], m.Time, m.MsgId, m.Account, m.Bot, IrcWriter.FormatTags(m.ClientTags));

    public OutboundMessage ToOutbound()
        => new(Source, Command, Parameters) { Time = Time, MsgId = MsgId, Account = Account, Bot = Bot, ClientTags = ParseTags(ClientTags) };

    private static IReadOnlyList<IrcTag>? ParseTags(string? wire)
        => wire is not null && IrcParser.TryParse(Encoding.UTF8.GetBytes("@" + wire + " X"), out var m, out _) && m.Tags.Count > 0 ? m.Tags : null;
}
