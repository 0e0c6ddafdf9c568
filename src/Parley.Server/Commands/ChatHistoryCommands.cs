using System.Globalization;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;
using Parley.Server.Storage;

namespace Parley.Server.Commands;

/// <summary>
/// draft/chathistory: CHATHISTORY LATEST, BEFORE, AFTER, AROUND, BETWEEN and TARGETS, with
/// draft/event-playback. https://ircv3.net/specs/extensions/chathistory
/// </summary>
/// <remarks>
/// Replies are one <c>chathistory</c> batch (or <c>draft/chathistory-targets</c>) in the
/// command's reply buffer, so a label lands on its BATCH line. Errors are standard replies:
/// <c>FAIL CHATHISTORY NEED_MORE_PARAMS|UNKNOWN_COMMAND|INVALID_PARAMS|INVALID_TARGET|MESSAGE_ERROR</c>.
/// </remarks>
internal static class ChatHistoryCommands
{
    public const string BatchType = "chathistory";
    public const string TargetsBatchType = "draft/chathistory-targets";

    public static void Register(CommandTable t)
    {
        t.Add(new("CHATHISTORY", HandleAsync));
        t.Add(new("MARKREAD", ReadMarkerCommand.HandleAsync));
    }

    // CHATHISTORY LATEST <target> <* | msgref> <limit>
    // CHATHISTORY BEFORE|AFTER|AROUND <target> <msgref> <limit>
    // CHATHISTORY BETWEEN <target> <msgref> <msgref> <limit>
    // CHATHISTORY TARGETS <timestamp> <timestamp> <limit>
    private static async ValueTask HandleAsync(Session s, IrcMessage m)
    {
        var store = s.Server.History;
        if (store is null)
        {
            s.Numeric(Numerics.ERR_UNKNOWNCOMMAND, "CHATHISTORY", "Unknown command");
            return;
        }
        var sub = m.Param(0)?.ToUpperInvariant() ?? "";
        var needed = sub switch
        {
            "LATEST" or "BEFORE" or "AFTER" or "AROUND" or "TARGETS" => 4,
            "BETWEEN" => 5,
            _ => 0,
        };
        if (needed == 0)
        {
            s.Fail("CHATHISTORY", m.Parameters.Count == 0 ? "NEED_MORE_PARAMS" : "UNKNOWN_COMMAND", Echo(sub), "Unknown subcommand");
            return;
        }
        if (m.Parameters.Count < needed)
        {
            s.Fail("CHATHISTORY", "NEED_MORE_PARAMS", sub, "Not enough parameters");
            return;
        }
        if (!int.TryParse(m.Parameters[needed - 1], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1)
        {
            s.Fail("CHATHISTORY", "INVALID_PARAMS", sub, Echo(m.Parameters[needed - 1]), "Invalid limit");
            return;
        }
        limit = Math.Min(limit, s.Server.Options.History.QueryLimit);
        try
        {
            if (sub == "TARGETS")
            {
                await TargetsAsync(s, store, m, limit);
                return;
            }
            await QueryAsync(s, store, sub, m, limit);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            s.Fail("CHATHISTORY", "MESSAGE_ERROR", sub, Echo(m.Param(1) ?? "*"), "Messages could not be retrieved");
        }
    }

    private static async ValueTask QueryAsync(Session s, IHistoryStore store, string sub, IrcMessage m, int limit)
    {
        var name = m.Parameters[1];
        if (!IsTargetName(s, name))
        {
            s.Fail("CHATHISTORY", "INVALID_TARGET", sub, Echo(name), "Messages could not be retrieved");
            return;
        }
        string key;
        if (ChannelNames.IsChannel(name))
        {
            if (!s.Network.IsMember(s.User, name))
            {
                s.Fail("CHATHISTORY", "INVALID_TARGET", sub, name, "Messages could not be retrieved");
                return;
            }
            key = s.Network.ChannelHistoryTarget(name);
        }
        else
        {
            key = HistoryTargets.Direct(s.Network.HistoryOwner(s.User), s.Network.CaseMapping.Fold(name));
        }
        var events = s.Has(Capability.EventPlayback);

        // Each selector as (exact point or null when unknown msgid, time) — resolved against the target.
        async ValueTask<Selector?> ResolveAsync(string text, bool allowStar)
        {
            if (allowStar && text == "*")
            {
                return new Selector(null, null, false, Star: true);
            }
            if (text.StartsWith("msgid=", StringComparison.Ordinal))
            {
                var point = await store.FindAsync(key, text[6..]);
                return new Selector(point, null, point is null);
            }
            if (text.StartsWith("timestamp=", StringComparison.Ordinal) && TryParseTimestamp(text[10..], out var t))
            {
                return new Selector(null, t, false);
            }
            s.Fail("CHATHISTORY", "INVALID_PARAMS", sub, Echo(text), "Invalid message reference");
            return null;
        }

        IReadOnlyList<HistoryRecord> records;
        switch (sub)
        {
            case "LATEST":
            {
                if (await ResolveAsync(m.Parameters[2], allowStar: true) is not { } sel)
                {
                    return;
                }
                records = sel.Unknown ? []
                    : await store.QueryAsync(new HistoryQuery(key, HistoryDirection.Backward, limit, After: sel.Star ? null : sel.AfterBound, IncludeEvents: events));
                break;
            }
            case "BEFORE":
            {
                if (await ResolveAsync(m.Parameters[2], allowStar: false) is not { } sel)
                {
                    return;
                }
                records = sel.Unknown ? [] : await store.QueryAsync(new HistoryQuery(key, HistoryDirection.Backward, limit, Before: sel.BeforeBound, IncludeEvents: events));
                break;
            }
            case "AFTER":
            {
                if (await ResolveAsync(m.Parameters[2], allowStar: false) is not { } sel)
                {
                    return;
                }
                records = sel.Unknown ? [] : await store.QueryAsync(new HistoryQuery(key, HistoryDirection.Forward, limit, After: sel.AfterBound, IncludeEvents: events));
                break;
            }
            case "AROUND":
            {
                if (await ResolveAsync(m.Parameters[2], allowStar: false) is not { } sel)
                {
                    return;
                }
                if (sel.Unknown)
                {
                    records = [];
                    break;
                }
                // Half before the reference, the rest from it on (the message itself included).
                var before = limit / 2;
                var older = before == 0 ? [] : await store.QueryAsync(new HistoryQuery(key, HistoryDirection.Backward, before, Before: sel.BeforeBound, IncludeEvents: events));
                var newer = await store.QueryAsync(new HistoryQuery(key, HistoryDirection.Forward, limit - older.Count, After: sel.InclusiveAfterBound, IncludeEvents: events));
                records = [.. older, .. newer];
                break;
            }
            default: // BETWEEN
            {
                if (await ResolveAsync(m.Parameters[2], allowStar: false) is not { } a || await ResolveAsync(m.Parameters[3], allowStar: false) is not { } b)
                {
                    return;
                }
                if (a.Unknown || b.Unknown)
                {
                    records = [];
                    break;
                }
                // From the first reference towards the second: forward when it is the older one.
                records = a.Key.CompareTo(b.Key) <= 0
                    ? await store.QueryAsync(new HistoryQuery(key, HistoryDirection.Forward, limit, After: a.AfterBound, Before: b.BeforeBound, IncludeEvents: events))
                    : await store.QueryAsync(new HistoryQuery(key, HistoryDirection.Backward, limit, After: b.AfterBound, Before: a.BeforeBound, IncludeEvents: events));
                break;
            }
        }
        SendBatch(s, name, records);
    }

    /// <summary>Replays records as one chathistory batch for <paramref name="target"/> (the name as the client gave it).</summary>
    internal static void SendBatch(Session s, string target, IReadOnlyList<HistoryRecord> records, string type = BatchType)
    {
        var id = s.Server.NewBatchId();
        s.Reply(new OutboundMessage(s.Server.Name, "BATCH", "+" + id, type, target));
        foreach (var r in records)
        {
            s.Reply(ToMessage(r), id);
        }
        s.Reply(new OutboundMessage(s.Server.Name, "BATCH", "-" + id));
    }

    /// <summary>A stored record as the line it was.</summary>
    internal static OutboundMessage ToMessage(HistoryRecord r)
        => new(r.Source, r.Command, [.. r.Parameters])
        {
            Time = IrcNetwork.FormatTime(r.Time),
            MsgId = r.MsgId,
            Account = r.Account,
            Bot = r.Bot,
            ClientTags = r.ClientTags,
        };

    private static async ValueTask TargetsAsync(Session s, IHistoryStore store, IrcMessage m, int limit)
    {
        if (!m.Parameters[1].StartsWith("timestamp=", StringComparison.Ordinal) || !TryParseTimestamp(m.Parameters[1][10..], out var a)
            || !m.Parameters[2].StartsWith("timestamp=", StringComparison.Ordinal) || !TryParseTimestamp(m.Parameters[2][10..], out var b))
        {
            s.Fail("CHATHISTORY", "INVALID_PARAMS", "TARGETS", "Invalid timestamps");
            return;
        }
        if (a > b)
        {
            (a, b) = (b, a);
        }
        var channels = s.Network.GetUserChannels(s.User, s.User);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (channel, _) in channels)
        {
            names[s.Network.ChannelHistoryTarget(channel)] = channel;
        }
        var found = await store.ListTargetsAsync(s.Network.HistoryOwner(s.User), [.. names.Keys], a, b, limit);
        var id = s.Server.NewBatchId();
        s.Reply(new OutboundMessage(s.Server.Name, "BATCH", "+" + id, TargetsBatchType));
        foreach (var t in found)
        {
            var display = names.TryGetValue(t.Target, out var channelName) ? channelName : t.Name;
            s.Reply(s.Network.FromServer("CHATHISTORY", "TARGETS", display, IrcNetwork.FormatTime(t.LatestAt)), id);
        }
        s.Reply(new OutboundMessage(s.Server.Name, "BATCH", "-" + id));
    }

    /// <summary>A message reference: a known message's point, or a time; Unknown for a msgid not in this history.</summary>
    private readonly record struct Selector(HistoryPoint? Point, DateTimeOffset? Time, bool Unknown, bool Star = false)
    {
        /// <summary>Exclusive lower bound: after the message, or after every message of that millisecond.</summary>
        public HistoryPoint AfterBound => Point ?? HistoryPoint.AfterTime(Time!.Value);

        /// <summary>Exclusive upper bound: before the message, or before every message of that millisecond.</summary>
        public HistoryPoint BeforeBound => Point ?? HistoryPoint.BeforeTime(Time!.Value);

        /// <summary>Lower bound that keeps the message itself (AROUND).</summary>
        public HistoryPoint InclusiveAfterBound => Point is { } p ? p with { Seq = p.Seq - 1 } : HistoryPoint.BeforeTime(Time!.Value);

        public (long, long) Key => Point is { } p ? (p.TimeMs, p.Seq) : (Time!.Value.ToUnixTimeMilliseconds(), 0);
    }

    /// <summary>A client's parameter fit to be quoted back in a reply: short and a valid middle parameter, else <c>*</c>.</summary>
    internal static string Echo(string text) => text.Length > 100 ? "*" : ReplyLines.SafeParam(text);

    /// <summary>Whether <paramref name="name"/> can name a history target: a valid channel name, or something shaped like a nick.</summary>
    internal static bool IsTargetName(Session s, string name)
        => ChannelNames.IsChannel(name)
            ? ChannelNames.IsValid(name)
            : name.Length > 0 && name.Length <= s.Server.Options.Limits.NickLength && name[0] != ':'
              && name.AsSpan().IndexOfAny(NotInNick) < 0;

    private static readonly System.Buffers.SearchValues<char> NotInNick = System.Buffers.SearchValues.Create(" ,*?!@\u0001");

    internal static bool TryParseTimestamp(string text, out DateTimeOffset time)
        => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}
