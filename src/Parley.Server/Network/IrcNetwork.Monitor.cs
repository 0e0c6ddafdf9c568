namespace Parley.Server.Network;

// MONITOR: https://ircv3.net/specs/extensions/monitor
public sealed partial class IrcNetwork
{
    /// <summary>The most nicks one client may MONITOR (ISUPPORT MONITOR).</summary>
    public const int MaxMonitorTargets = 100;

    private readonly Dictionary<string, HashSet<IrcUser>> _monitors;

    public enum MonitorAddResult
    {
        Ok,
        ListFull,
    }

    /// <summary>Adds targets to the user's list; returns which are online (user) or offline (null), in order.</summary>
    public (List<(string Nick, IrcUser? Online)> Added, List<string> Rejected) MonitorAdd(IrcUser user, IEnumerable<string> nicks)
    {
        var added = new List<(string, IrcUser?)>();
        var rejected = new List<string>();
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
                    }
                    watchers.Add(user);
                }
                added.Add((nick, _nicks.TryGetValue(nick, out var u) && u.IsRegistered ? u : null));
            }
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

    /// <summary>The user's list with each target's state.</summary>
    public List<(string Nick, IrcUser? Online)> MonitorList(IrcUser user)
    {
        lock (_gate)
        {
            return user.Monitoring.Select(n => (
                _nicks.TryGetValue(n, out var u) && u.IsRegistered ? u.Nick : n,
                _nicks.TryGetValue(n, out var v) && v.IsRegistered ? v : null)).ToList();
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
                }
            }
        }
        user.Monitoring.Clear();
    }

    /// <summary>Tells watchers of <paramref name="nick"/> it came online (730) or went offline (731).</summary>
    private void NotifyMonitorsLocked(string nick, IrcUser? online)
    {
        if (!_monitors.TryGetValue(nick, out var watchers))
        {
            return;
        }
        foreach (var watcher in watchers)
        {
            var message = online is not null
                ? FromServer(Protocol.Numerics.RPL_MONONLINE, watcher.Nick, online.Prefix)
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
