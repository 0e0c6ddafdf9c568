namespace Parley.Server.Sessions;

/// <summary>One capability as advertised in CAP LS: its name, bit, and optional value.</summary>
public sealed record CapabilityInfo(string Name, Capability Flag, string? Value = null);

/// <summary>The capabilities this server offers. https://ircv3.net/specs/extensions/capability-negotiation</summary>
public static class Capabilities
{
    /// <summary>draft/multiline limits: what one multiline batch may hold.</summary>
    public const int MultilineMaxBytes = 4096;
    public const int MultilineMaxLines = 32;

    /// <summary>The SASL mechanisms, as the sasl capability's value and RPL_SASLMECHS list them.</summary>
    public const string SaslMechanisms = "EXTERNAL,PLAIN,SCRAM-SHA-256";

    public static readonly IReadOnlyList<CapabilityInfo> All =
    [
        new("account-notify", Capability.AccountNotify),
        new("account-tag", Capability.AccountTag),
        new("away-notify", Capability.AwayNotify),
        new("batch", Capability.Batch),
        new("cap-notify", Capability.CapNotify),
        new("chghost", Capability.Chghost),
        new("echo-message", Capability.EchoMessage),
        new("extended-join", Capability.ExtendedJoin),
        new("extended-monitor", Capability.ExtendedMonitor),
        new("invite-notify", Capability.InviteNotify),
        new("labeled-response", Capability.LabeledResponse),
        new("message-tags", Capability.MessageTags),
        new("multi-prefix", Capability.MultiPrefix),
        new("sasl", Capability.Sasl, SaslMechanisms),
        new("server-time", Capability.ServerTime),
        new("setname", Capability.Setname),
        new("userhost-in-names", Capability.UserhostInNames),
        new("standard-replies", Capability.StandardReplies),
        new("draft/account-registration", Capability.AccountRegistration),
        new("draft/multiline", Capability.Multiline, $"max-bytes={MultilineMaxBytes},max-lines={MultilineMaxLines}"),
        new("draft/chathistory", Capability.ChatHistory),
        new("draft/event-playback", Capability.EventPlayback),
        new("draft/message-redaction", Capability.MessageRedaction),
        new("draft/read-marker", Capability.ReadMarker),
        new("draft/metadata-3", Capability.Metadata, Network.MetadataLimits.CapValue),
    ];

    /// <summary>The capabilities that exist only while history is on (Server:History:Enabled).</summary>
    public const Capability HistoryCaps = Capability.ChatHistory | Capability.EventPlayback | Capability.MessageRedaction | Capability.ReadMarker;

    /// <summary>What this server offers given whether history is on.</summary>
    public static IEnumerable<CapabilityInfo> Offered(bool history)
        => history ? All : All.Where(c => (c.Flag & HistoryCaps) == 0);

    private static readonly Dictionary<string, CapabilityInfo> ByName =
        All.ToDictionary(c => c.Name, StringComparer.Ordinal);

    public static bool TryGet(string name, out CapabilityInfo info) => ByName.TryGetValue(name, out info!);
}
