using Parley.Server.Network;

namespace Parley.Cluster.Grains;

/// <summary>A <see cref="WhoisInfo"/> on its way to another node, with the name and description of the node the user is on.</summary>
[GenerateSerializer, Immutable]
public sealed record WhoisWire(
    [property: Id(0)] string Nick,
    [property: Id(1)] string Username,
    [property: Id(2)] string Host,
    [property: Id(3)] string RealHost,
    [property: Id(4)] string RealIp,
    [property: Id(5)] string Realname,
    [property: Id(6)] string? Account,
    [property: Id(7)] string? AwayMessage,
    [property: Id(8)] bool Operator,
    [property: Id(9)] bool Bot,
    [property: Id(10)] string[] ChannelNames,
    [property: Id(11)] int[] ChannelStatuses,
    [property: Id(12)] long IdleSeconds,
    [property: Id(13)] DateTimeOffset SignOnAt,
    [property: Id(14)] bool Secure,
    [property: Id(15)] string? CertFingerprint,
    [property: Id(16)] string ServerName,
    [property: Id(17)] string ServerDescription)
{
    public static WhoisWire From(WhoisInfo i, string serverName, string serverDescription)
        => new(i.Nick, i.Username, i.Host, i.RealHost, i.RealIp, i.Realname, i.Account, i.AwayMessage, i.Operator, i.Bot,
            [.. i.Channels.Select(c => c.Name)], [.. i.Channels.Select(c => (int)c.Status)], i.IdleSeconds, i.SignOnAt, i.Secure, i.CertFingerprint,
            serverName, serverDescription);

    public RemoteWhois ToRemote()
        => new(new WhoisInfo(Nick, Username, Host, RealHost, RealIp, Realname, Account, AwayMessage, Operator, Bot,
            [.. ChannelNames.Zip(ChannelStatuses, (n, s) => (n, (MemberStatus)s))], IdleSeconds, SignOnAt, Secure, CertFingerprint),
            ServerName, ServerDescription);
}
