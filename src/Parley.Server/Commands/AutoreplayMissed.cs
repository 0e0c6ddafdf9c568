using System.Data.Common;
using Parley.Server.Diagnostics;
using Parley.Server.Network;
using Parley.Server.Sessions;
using Parley.Server.Storage;

namespace Parley.Server.Commands;

/// <summary>
/// "See what they missed" for clients that do not ask for history themselves (issue 4; Ergo's
/// autoreplay-missed, https://github.com/ergochat/ergo/blob/master/docs/MANUAL.md#history):
/// when a connection attaches to an always-on user that had none, after each of its channels'
/// JOIN, topic and NAMES it is replayed the lines said there since the user's last connection
/// was last heard from, up to the attach (<see cref="MissedWindow"/>). Private messages of that
/// time come by offline delivery (<see cref="OfflineDelivery"/>), so they are not replayed here.
/// </summary>
/// <remarks>
/// Only for connections without draft/chathistory (those ask with CHATHISTORY, and a replay
/// would give them every line twice), and only while the account's setting is on
/// (<c>NickServ SET AUTOREPLAY-MISSED ON|OFF</c>; on unless turned off: Ergo's default is off,
/// but there it is one of several ways back, with autoreplay-on-join and ZNC playback; here it
/// is how irssi or WeeChat see what was said while they were away). As in Ergo: messages
/// (PRIVMSG, NOTICE) only unless the client has draft/event-playback, each with its original
/// time (server-time) and msgid, in a <c>chathistory</c> batch when the client has batch.
/// Bounded as Ergo's: at most <c>Server:History:QueryLimit</c> lines per channel (the newest),
/// and, because the replay is queued in one go, at most half the SendQ in all; a NOTICE says
/// when older lines were left out.
/// Threading: one per attach, used by the attaching connection's read loop only.
/// </remarks>
internal sealed class AutoreplayMissed
{
    /// <summary>
    /// Bytes a replayed line may take beyond its source, command and parameters: the tags
    /// (time 30, msgid about 30, account, batch) and separators. An estimate for the budget
    /// only; a line the estimate undercounts is still bounded by the SendQ itself.
    /// </summary>
    private const int LineOverhead = 128;

    private readonly Session _s;
    private readonly IHistoryStore _store;
    private readonly MissedWindow _window;
    private long _budget;
    private bool _leftOut;

    private AutoreplayMissed(Session s, IHistoryStore store, MissedWindow window)
    {
        _s = s;
        _store = store;
        _window = window;
        _budget = s.Server.Options.Limits.SendQBytes / 2;
    }

    /// <summary>A replay for this connection, or null when it gets none (see the remarks).</summary>
    public static async ValueTask<AutoreplayMissed?> StartAsync(Session s, MissedWindow missed)
    {
        if (s.Server.History is not { } store || s.Has(Capability.ChatHistory) || s.User.Account is not { } account)
        {
            return null;
        }
        try
        {
            if ((await s.Server.Accounts.GetAsync(account))?.ReplaysMissed != true)
            {
                return null;
            }
        }
        catch (DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
            return null;
        }
        // Everything sequenced before the attach is in history before it is read.
        await s.Network.Deliveries.WhenDeliveredAsync();
        return new AutoreplayMissed(s, store, missed);
    }

    /// <summary>Replays what was said in <paramref name="channel"/> (its name as shown) in the window.</summary>
    public async ValueTask ChannelAsync(string channel)
    {
        if (_budget <= 0)
        {
            _leftOut = true;
            return;
        }
        var limit = _s.Server.Options.History.QueryLimit;
        IReadOnlyList<HistoryRecord> records;
        try
        {
            // From the last line's millisecond (inclusive: a line of that millisecond may come
            // twice, none is lost) up to the attach (exclusive: from there on, delivered live).
            records = await _store.QueryAsync(new HistoryQuery(
                _s.Network.ChannelHistoryTarget(channel),
                HistoryDirection.Backward,
                limit,
                After: HistoryPoint.BeforeTime(_window.Since),
                Before: new HistoryPoint(_window.UntilMs, long.MinValue),
                IncludeEvents: _s.Has(Capability.EventPlayback)));
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            _s.Server.Metrics.StorageError(ParleyMetrics.StoreHistory);
            return;
        }
        if (records.Count == 0)
        {
            return;
        }
        // The newest lines that fit in what is left of the budget.
        var first = records.Count;
        while (first > 0 && _budget - Estimate(records[first - 1]) >= 0)
        {
            first--;
            _budget -= Estimate(records[first]);
        }
        if (first > 0 || records.Count == limit)
        {
            _leftOut = true;
        }
        if (first == records.Count)
        {
            return;
        }
        var kept = first == 0 ? records : records.Skip(first).ToList();
        if (_s.Has(Capability.Batch))
        {
            ChatHistoryCommands.SendBatch(_s, channel, kept);
        }
        else
        {
            foreach (var r in kept)
            {
                _s.Reply(ChatHistoryCommands.ToMessage(r));
            }
        }
    }

    /// <summary>After the last channel: says so when older lines were left out.</summary>
    public void End()
    {
        if (_leftOut)
        {
            _s.Reply(new OutboundMessage(_s.Server.Name, "NOTICE", _s.Nick,
                "Only the latest lines you missed were replayed; the channels' history has the rest.") { Time = _s.Network.NowTag() });
        }
    }

    private static long Estimate(HistoryRecord r)
    {
        long n = LineOverhead + r.Source.Length + r.Command.Length;
        foreach (var p in r.Parameters)
        {
            n += p.Length + 2;
        }
        return n;
    }

    /// <summary>NickServ SET AUTOREPLAY-MISSED ON|OFF.</summary>
    public static async ValueTask SetAsync(Session s, string value, Action<string> notice)
    {
        if (s.User.Account is not { } account)
        {
            notice("You are not logged in.");
            return;
        }
        bool? setting = value.ToUpperInvariant() switch
        {
            "ON" or "TRUE" => true,
            "OFF" or "FALSE" => false,
            _ => null,
        };
        if (setting is not { } on)
        {
            notice("Syntax: SET AUTOREPLAY-MISSED ON|OFF");
            return;
        }
        if (!await AccountLogin.TrySaveSettingAsync(s, async () => await s.Server.Accounts.SetAutoreplayMissedAsync(account, on), notice))
        {
            return;
        }
        notice(on
            ? "Autoreplay-missed is now on: when you reconnect to your always-on user, a client without draft/chathistory is replayed what was said in your channels meanwhile."
            : "Autoreplay-missed is now off: reconnecting replays nothing (private messages still wait for you).");
    }
}
