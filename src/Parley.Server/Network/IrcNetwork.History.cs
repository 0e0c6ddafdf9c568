using System.Globalization;
using Parley.Server.Storage;

namespace Parley.Server.Network;

// What Network stores in history (draft/chathistory, event-playback), always under its lock and
// before the deliveries of the same message, so the delivery pipeline holds those back until
// the record is committed (ARCHITECTURE.md rule 10; see DeliveryPipeline).
public sealed partial class IrcNetwork
{
    /// <summary>The ordered path to the outboxes (and to history when it is on).</summary>
    public DeliveryPipeline Deliveries { get; }

    /// <summary>Whose private history a user's conversations are kept under (see <see cref="HistoryTargets"/>).</summary>
    public string HistoryOwner(IrcUser user)
    {
        var account = user.Account;
        return account is not null
            ? HistoryTargets.AccountOwner(CaseMapping.Fold(account))
            : HistoryTargets.ConnectionOwner(_msgIdPrefix + "-" + user.Id.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A channel's history key.</summary>
    public string ChannelHistoryTarget(string channelName) => CaseMapping.Fold(channelName);

    /// <summary>Stores a channel event or message (under the lock, before delivering it).</summary>
    private void StoreChannelLocked(Channel channel, OutboundMessage message)
    {
        if (Deliveries.Enabled && message.MsgId is not null && t_apply is not { Store: false })
        {
            Deliveries.Store(ToRecord(ChannelHistoryTarget(channel.Name), null, message, message.MsgId));
        }
    }

    /// <summary>Stores each line of a relayed message in a channel's history.</summary>
    private void StoreChannelLocked(Channel channel, RelayedMessage message)
    {
        if (!Deliveries.Enabled || t_apply is { Store: false })
        {
            return;
        }
        var target = ChannelHistoryTarget(channel.Name);
        var lines = message.HistoryLines;
        for (var i = 0; i < lines.Count; i++)
        {
            Deliveries.Store(ToRecord(target, null, lines[i], LineMsgId(lines, i)));
        }
    }

    /// <summary>
    /// Stores a private message in both participants' histories (once when one writes to
    /// oneself). <paramref name="to"/> null: the recipient is the offline account
    /// <paramref name="offlineAccount"/>, which gets it at its next login.
    /// </summary>
    private void StoreDirectLocked(IrcUser from, IrcUser? to, string toNick, string? offlineAccount, RelayedMessage message)
    {
        if (!Deliveries.Enabled)
        {
            return;
        }
        var senderTarget = HistoryTargets.Direct(HistoryOwner(from), CaseMapping.Fold(toNick));
        string? recipientTarget = null;
        string? pendingFor = null;
        if (to is not null && to != from)
        {
            recipientTarget = HistoryTargets.Direct(HistoryOwner(to), CaseMapping.Fold(from.Nick));
            if (to.Sink.Count == 0 && to.Account is { } away)
            {
                // An always-on user with no connection: kept for its next one, as for an offline account.
                pendingFor = CaseMapping.Fold(away);
            }
        }
        else if (to is null && offlineAccount is not null)
        {
            pendingFor = CaseMapping.Fold(offlineAccount);
            recipientTarget = HistoryTargets.Direct(HistoryTargets.AccountOwner(pendingFor), CaseMapping.Fold(from.Nick));
        }
        var lines = message.HistoryLines;
        for (var i = 0; i < lines.Count; i++)
        {
            var msgid = LineMsgId(lines, i);
            Deliveries.Store(ToRecord(senderTarget, toNick, lines[i], msgid));
            if (recipientTarget is not null && recipientTarget != senderTarget)
            {
                Deliveries.Store(ToRecord(recipientTarget, from.Nick, lines[i], msgid) with { PendingFor = pendingFor });
            }
        }
    }

    /// <summary>The msgid of a stored line: its own, or for a multiline message's later lines the first's with a suffix.</summary>
    private static string LineMsgId(IReadOnlyList<OutboundMessage> lines, int i)
        => lines[i].MsgId ?? (lines[0].MsgId ?? "") + "-" + i.ToString(CultureInfo.InvariantCulture);

    private static HistoryRecord ToRecord(string target, string? correspondent, OutboundMessage m, string msgid)
        => new(target, correspondent, ParseTime(m.Time), msgid, m.Command, m.Source ?? "", m.Account, m.Parameters, m.ClientTags, m.Bot);

    /// <summary>The server-time tag value back as a time.</summary>
    public static DateTimeOffset ParseTime(string? tag)
    {
        if (tag is null)
        {
            return DateTimeOffset.UnixEpoch;
        }
        // Our own tags have exactly the form FormatTime writes: read them digit by digit (the
        // general parser was ~4 % of a stored private message's cost, issue 7).
        if (TryParseOwnTime(tag, out var fast))
        {
            return fast;
        }
        return DateTimeOffset.TryParseExact(tag, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : DateTimeOffset.UnixEpoch;
    }

    /// <summary>Parses "yyyy-MM-ddTHH:mm:ss.fffZ" exactly; false for anything else.</summary>
    internal static bool TryParseOwnTime(string s, out DateTimeOffset time)
    {
        time = default;
        if (s.Length != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z')
        {
            return false;
        }
        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second)
            || !Digits(s, 20, 3, out var ms))
        {
            return false;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        time = new DateTimeOffset(year, month, day, hour, minute, second, ms, TimeSpan.Zero);
        return true;

        static bool Digits(string s, int start, int count, out int value)
        {
            value = 0;
            for (var i = start; i < start + count; i++)
            {
                var d = s[i] - '0';
                if ((uint)d > 9)
                {
                    return false;
                }
                value = value * 10 + d;
            }
            return true;
        }
    }

    /// <summary>
    /// Delivers through the pipeline: what <see cref="IrcUser.Sink"/> is, so every delivery
    /// Network makes (and any added later) keeps the pipeline's order.
    /// </summary>
    private sealed class SequencedSink(DeliveryPipeline pipeline, IClientSink inner) : IClientSink
    {
        /// <summary>The pipeline it delivers through.</summary>
        public DeliveryPipeline Pipeline => pipeline;

        /// <summary>The sink the pipeline delivers to in turn.</summary>
        public IClientSink Inner => inner;

        public Sessions.Capability Caps => inner.Caps;

        public void Deliver(OutboundMessage message) => pipeline.Deliver(inner, message);

        public void Disconnect(string reason) => inner.Disconnect(reason);
    }
}
