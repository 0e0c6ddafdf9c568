namespace Parley.Server.Network;

// MONITOR: https://ircv3.net/specs/extensions/monitor
// In a cluster (issue 9) the watchers of a nick may be on other nodes than its holder: a node
// tells the others which nicks its users watch (INetworkLink.WatchNicksAsync, when a nick gets
// its first watcher here or loses its last), and a node whose user comes online or goes offline
// as a nick another node watches tells that node (INetworkLink.MonitorChanged; nothing is sent
// for a nick nobody watches elsewhere). What comes from elsewhere goes to the watchers here
// (MonitorFromRemote) and is remembered, so a holder's node dying makes its nicks offline.
public sealed partial class IrcNetwork
{
    /// <summary>The most nicks one client may MONITOR (ISUPPORT MONITOR).</summary>
    public const int MaxMonitorTargets = 100;

    private readonly Dictionary<string, HashSet<IrcUser>> _monitors;

    /// <summary>Cluster: nicks watched here that users of other nodes hold, as their nodes said: folded nick → (node, nick!user@host).</summary>
    private Dictionary<string, (string Node, string Prefix)>? _onlineElsewhereStore;

    private Dictionary<string, (string Node, string Prefix)> OnlineElsewhere => _onlineElsewhereStore ??= new(StringComparer.Ordinal);

    public enum MonitorAddResult
    {
        Ok,
        ListFull,
    }

    /// <summary>
    /// Adds targets to the user's list; returns which are online here (user) or not (null), in
    /// order. In a cluster, the nicks that had no watcher here before are announced to the other
    /// nodes (the overload with <c>watching</c>: await it before asking who holds them elsewhere).
    /// </summary>
    public (List<(string Nick, IrcUser? Online)> Added, List<string> Rejected) MonitorAdd(IrcUser user, IEnumerable<string> nicks)
        => MonitorAdd(user, nicks, out _);

    /// <inheritdoc cref="MonitorAdd(IrcUser, IEnumerable{string})"/>
    /// <param name="watching">Completed once the other nodes know of the nicks newly watched here (at once on a single node).</param>
    public (List<(string Nick, IrcUser? Online)> Added, List<string> Rejected) MonitorAdd(IrcUser user, IEnumerable<string> nicks, out Task watching)
    {
        var added = new List<(string, IrcUser?)>();
        var rejected = new List<string>();
        List<string>? first = null;
        lock (_gate)
        {
            foreach (var nick in nicks)
            {
                var folded = CaseMapping.Fold(nick);
                if (!user.Monitoring.Contains(folded))
                {
                    if (user.Monitoring.Count >= MaxMonitorTargets)
                    {
                        rejected.Add(nick);
                        continue;
                    }
                    user.Monitoring.Add(folded);
                    if (!_monitors.TryGetValue(nick, out var watchers))
                    {
                        _monitors[nick] = watchers = [];
                        (first ??= []).Add(folded);
                    }
                    watchers.Add(user);
                }
                added.Add((nick, _nicks.TryGetValue(nick, out var u) && u.IsRegistered ? u : null));
            }
            watching = first is not null && Link is { } link ? link.WatchNicksAsync(first, watching: true) : Task.CompletedTask;
        }
        return (added, rejected);
    }

    public void MonitorRemove(IrcUser user, IEnumerable<string> nicks)
    {
        lock (_gate)
        {
            foreach (var nick in nicks)
            {
                if (user.Monitoring.Remove(CaseMapping.Fold(nick)) && _monitors.TryGetValue(nick, out var watchers))
                {
                    watchers.Remove(user);
                    if (watchers.Count == 0)
                    {
                        _monitors.Remove(nick);
                        UnwatchedLocked(CaseMapping.Fold(nick));
                    }
                }
            }
        }
    }

    public void MonitorClear(IrcUser user)
    {
        lock (_gate)
        {
            RemoveMonitorsLocked(user);
        }
    }

    /// <summary>The user's list with each target's state here (see <see cref="MonitoredOnlineElsewhere"/> for other nodes').</summary>
    public List<(string Nick, IrcUser? Online)> MonitorList(IrcUser user)
    {
        lock (_gate)
        {
            return user.Monitoring.Select(n => (
                _nicks.TryGetValue(n, out var u) && u.IsRegistered ? u.Nick : n,
                _nicks.TryGetValue(n, out var v) && v.IsRegistered ? v : null)).ToList();
        }
    }

    /// <summary>Cluster: of <paramref name="nicks"/>, those users of other nodes hold as far as this node was told, as nick!user@host.</summary>
    public List<string> MonitoredOnlineElsewhere(IEnumerable<string> nicks)
    {
        lock (_gate)
        {
            var online = new List<string>();
            foreach (var nick in nicks)
            {
                if (_onlineElsewhereStore is { } known && known.TryGetValue(CaseMapping.Fold(nick), out var holder))
                {
                    online.Add(holder.Prefix);
                }
            }
            return online;
        }
    }

    private void RemoveMonitorsLocked(IrcUser user)
    {
        foreach (var folded in user.Monitoring)
        {
            if (_monitors.TryGetValue(folded, out var watchers))
            {
                watchers.Remove(user);
                if (watchers.Count == 0)
                {
                    _monitors.Remove(folded);
                    UnwatchedLocked(folded);
                }
            }
        }
        user.Monitoring.Clear();
    }

    /// <summary>The last watcher of <paramref name="folded"/> here is gone: the other nodes need not tell this one about it any more.</summary>
    private void UnwatchedLocked(string folded)
    {
        if (Link is { } link)
        {
            _onlineElsewhereStore?.Remove(folded);
            _ = link.WatchNicksAsync([folded], watching: false);
        }
    }

    /// <summary>
    /// Another node's user came online as <paramref name="nick"/> (<paramref name="prefix"/>
    /// its nick!user@host) or went offline (null): the watchers here are told (730 / 731).
    /// </summary>
    public void MonitorFromRemote(string node, string nick, string? prefix)
    {
        lock (_gate)
        {
            var folded = CaseMapping.Fold(nick);
            if (!_monitors.ContainsKey(folded))
            {
                return;
            }
            if (prefix is not null)
            {
                OnlineElsewhere[folded] = (node, prefix);
            }
            else if (!OnlineElsewhere.TryGetValue(folded, out var was) || was.Node != node)
            {
                // Offline on a node that was not its holder as far as this node knows: no news.
                return;
            }
            else
            {
                OnlineElsewhere.Remove(folded);
            }
            TellWatchersLocked(nick, prefix, null);
        }
    }

    /// <summary>The nicks this node's users watch (folded), for a node that starts.</summary>
    public List<string> WatchedNicks()
    {
        lock (_gate)
        {
            return [.. _monitors.Keys.Select(CaseMapping.Fold)];
        }
    }

    /// <summary>A node died: the nicks its users held, as watched here, went offline.</summary>
    public void MonitorNodeGone(string node)
    {
        lock (_gate)
        {
            if (_onlineElsewhereStore is not { Count: > 0 } known)
            {
                return;
            }
            foreach (var (folded, holder) in known.Where(kv => kv.Value.Node == node).ToList())
            {
                known.Remove(folded);
                var nick = holder.Prefix.Split('!')[0];
                TellWatchersLocked(nick, null, null);
            }
        }
    }

    /// <summary>
    /// Tells watchers of <paramref name="nick"/> it came online (730) or went offline (731), here
    /// and, in a cluster, on the other nodes that watch it.
    /// </summary>
    private void NotifyMonitorsLocked(string nick, IrcUser? online)
    {
        Link?.MonitorChanged(CaseMapping.Fold(nick), nick, online?.Prefix);
        TellWatchersLocked(nick, online?.Prefix, online);
    }

    /// <summary>730 with <paramref name="prefix"/>, or 731 when null, to this node's watchers of <paramref name="nick"/>.</summary>
    private void TellWatchersLocked(string nick, string? prefix, IrcUser? online)
    {
        if (!_monitors.TryGetValue(nick, out var watchers))
        {
            return;
        }
        foreach (var watcher in watchers)
        {
            var message = prefix is not null
                ? FromServer(Protocol.Numerics.RPL_MONONLINE, watcher.Nick, prefix)
                : FromServer(Protocol.Numerics.RPL_MONOFFLINE, watcher.Nick, nick);
            watcher.Sink.Deliver(message);
            if (online is not null)
            {
                SendMetadataToWatcherLocked(watcher, online);
            }
        }
    }

    /// <summary>Watchers of this user that have <paramref name="cap"/> (extended-monitor).</summary>
    private IEnumerable<IrcUser> MonitorWatchersLocked(IrcUser user, Sessions.Capability cap)
        => _monitors.TryGetValue(user.Nick, out var w) ? w.Where(x => x != user && (x.Sink.Caps & cap) == cap && x.Sink.Caps.HasFlag(Sessions.Capability.ExtendedMonitor)) : [];
}
