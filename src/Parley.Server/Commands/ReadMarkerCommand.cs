using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// draft/read-marker: where a user has read up to, per channel or conversation, kept in history
/// (per account when logged in, else for the connection) and shared by the account's sessions.
/// https://ircv3.net/specs/extensions/read-marker
/// </summary>
internal static class ReadMarkerCommand
{
    // MARKREAD <target> [timestamp=YYYY-MM-DDThh:mm:ss.sssZ]
    public static async ValueTask HandleAsync(Session s, IrcMessage m)
    {
        var store = s.Server.History;
        if (store is null)
        {
            s.Numeric(Numerics.ERR_UNKNOWNCOMMAND, "MARKREAD", "Unknown command");
            return;
        }
        if (m.Parameters.Count == 0 || m.Parameters[0].Length == 0)
        {
            s.Fail("MARKREAD", "NEED_MORE_PARAMS", "Missing target");
            return;
        }
        var target = m.Parameters[0];
        if (!ChatHistoryCommands.IsTargetName(s, target))
        {
            s.Fail("MARKREAD", "INVALID_PARAMS", ChatHistoryCommands.Echo(target), "Invalid target");
            return;
        }
        var key = Key(s, target);
        if (m.Parameters.Count == 1)
        {
            s.Reply(Marker(s, target, await store.GetReadMarkerAsync(s.Network.HistoryOwner(s.User), key)));
            return;
        }
        var value = m.Parameters[1];
        if (!value.StartsWith("timestamp=", StringComparison.Ordinal) || !ChatHistoryCommands.TryParseTimestamp(value[10..], out var time))
        {
            s.Fail("MARKREAD", "INVALID_PARAMS", target, "Invalid timestamp");
            return;
        }
        var now = await store.SetReadMarkerAsync(s.Network.HistoryOwner(s.User), key, time);
        var reply = Marker(s, target, now);
        s.Reply(reply);
        if (s.User.Account is not null)
        {
            s.Network.DeliverToOtherSessions(s.User, s, reply, Capability.ReadMarker);
        }
    }

    /// <summary>After a JOIN: the channel's marker, before the end of NAMES (the spec's MUST).</summary>
    public static async ValueTask SendOnJoinAsync(Session s, string channel)
    {
        if (s.Server.History is not { } store || !s.Has(Capability.ReadMarker))
        {
            return;
        }
        s.Reply(Marker(s, channel, await store.GetReadMarkerAsync(s.Network.HistoryOwner(s.User), Key(s, channel))));
    }

    private static string Key(Session s, string target)
        => ChannelNames.IsChannel(target) ? s.Network.ChannelHistoryTarget(target) : "@" + s.Network.CaseMapping.Fold(target);

    private static OutboundMessage Marker(Session s, string target, DateTimeOffset? time)
        => new(s.Server.Name, "MARKREAD", target, time is { } t ? "timestamp=" + IrcNetwork.FormatTime(t) : "*");
}
