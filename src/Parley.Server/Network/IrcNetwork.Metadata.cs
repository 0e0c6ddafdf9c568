using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Network;

public enum MetadataError
{
    None,

    /// <summary>No such user or channel (or, before registration, anything but <c>*</c>).</summary>
    InvalidTarget,

    /// <summary>Not the actor's own (users), not a channel operator (channels), not a member (reading a channel).</summary>
    NoPermission,

    /// <summary>Removing a key that is not set.</summary>
    KeyNotSet,

    /// <summary>The target holds <see cref="MetadataLimits.MaxKeys"/> keys already.</summary>
    LimitReached,

    /// <summary>Cluster only: a channel's change could not go through its grain (see <see cref="JoinError.Unavailable"/>); nothing changed.</summary>
    Unavailable,
}

/// <summary>One metadata value of one target (a nick, or a channel), as replies show it.</summary>
public readonly record struct MetadataEntry(string Target, string Key, string Value);

/// <summary>A target's metadata as one reader may see it, taken under the lock.</summary>
/// <param name="Target">The target's name as it is spelled now (<c>*</c> for oneself before registration).</param>
public sealed record MetadataView(MetadataError Error, string Target, IReadOnlyList<KeyValuePair<string, string>> Values);

/// <summary>Values for the keys a client subscribes to; <paramref name="Later"/>: too many to send now (774).</summary>
public sealed record MetadataSyncResult(MetadataError Error, string Target, IReadOnlyList<MetadataEntry> Entries, bool Later = false);

/// <summary>What <c>METADATA * SUB</c> did.</summary>
/// <param name="Subscribed">The keys now subscribed to, in the order given (RPL_METADATASUBOK).</param>
/// <param name="TooMany">The first key not processed because the list is full (TOO_MANY_SUBS), or null.</param>
/// <param name="Current">The current values of the newly subscribed keys for the targets the client gets updates for.</param>
/// <param name="SyncLater">Channels whose values were too many to send now (RPL_METADATASYNCLATER).</param>
public sealed record MetadataSubscription(IReadOnlyList<string> Subscribed, string? TooMany, IReadOnlyList<MetadataEntry> Current, IReadOnlyList<string> SyncLater);

// draft/metadata-3: https://ircv3.net/specs/extensions/metadata
// A user's metadata lives on its IrcUser (shared by a multiclient user's connections) and ends
// with it; a channel's lives on the Channel and ends when it empties. Subscriptions are each
// connection's own (the spec's and Ergo's), kept here by the connection's sink (its Session, the
// key of its IrcUser.Sink entry) and dropped when it disconnects. Nothing here is persisted.
// Notifications go out as 761/766 numerics with "*" for the recipient (one encoding for all),
// as Ergo does and irctest's metadata_3.py expects.
public sealed partial class IrcNetwork
{
    /// <summary>Each connection's subscriptions, by its sink (the ClientSessions entry's key); under the lock.</summary>
    private readonly Dictionary<IClientSink, HashSet<string>> _metadataSubs = [];

    /// <summary>A target's metadata, for GET, LIST and WHOIS. Channels: members and IRC operators only.</summary>
    public MetadataView ReadMetadata(IrcUser viewer, string target)
    {
        lock (_gate)
        {
            if (!TryResolveMetadataLocked(viewer, target, out var user, out var channel))
            {
                return new MetadataView(MetadataError.InvalidTarget, target, []);
            }
            var name = MetadataName(user, channel);
            if (!CanReadMetadata(viewer, channel))
            {
                return new MetadataView(MetadataError.NoPermission, name, []);
            }
            var map = channel is not null ? channel.Metadata : user!.Metadata;
            return new MetadataView(MetadataError.None, name, map is null ? [] : [.. map]);
        }
    }

    /// <summary>
    /// Sets (<paramref name="value"/> not null) or removes a key; subscribers who receive updates
    /// for the target are told, the acting connection not (its reply says it). Validation of key
    /// and value is the caller's.
    /// </summary>
    /// <param name="connection">The acting connection (its sink), which is not notified.</param>
    public (MetadataError Error, string Target) SetMetadata(IrcUser actor, IClientSink connection, string target, string key, string? value)
    {
        lock (_gate)
        {
            if (!TryResolveMetadataLocked(actor, target, out var user, out var channel))
            {
                return (MetadataError.InvalidTarget, target);
            }
            var name = MetadataName(user, channel);
            if (!CanWriteMetadata(actor, user, channel))
            {
                return (MetadataError.NoPermission, name);
            }
            var map = channel is not null ? channel.Metadata : user!.Metadata;
            if (value is null)
            {
                if (map is null || !map.Remove(key))
                {
                    return (MetadataError.KeyNotSet, name);
                }
                if (map.Count == 0)
                {
                    StoreMap(user, channel, null);
                }
            }
            else
            {
                var error = PutLocked(user, channel, key, value, out var changed);
                if (error != MetadataError.None || !changed)
                {
                    return (error, name);
                }
            }
            NotifyMetadataLocked(connection, user, channel, name, key, value);
            return (MetadataError.None, name);
        }
    }

    /// <summary>Removes every key of the target; returns the keys removed. Subscribers are told of each.</summary>
    public (MetadataError Error, string Target, IReadOnlyList<string> Cleared) ClearMetadata(IrcUser actor, IClientSink connection, string target)
    {
        lock (_gate)
        {
            if (!TryResolveMetadataLocked(actor, target, out var user, out var channel))
            {
                return (MetadataError.InvalidTarget, target, []);
            }
            var name = MetadataName(user, channel);
            if (!CanWriteMetadata(actor, user, channel))
            {
                return (MetadataError.NoPermission, name, []);
            }
            var map = channel is not null ? channel.Metadata : user!.Metadata;
            if (map is null)
            {
                return (MetadataError.None, name, []);
            }
            StoreMap(user, channel, null);
            var keys = map.Keys.ToList();
            foreach (var key in keys)
            {
                NotifyMetadataLocked(connection, user, channel, name, key, null);
            }
            return (MetadataError.None, name, keys);
        }
    }

    /// <summary>
    /// Subscribes the connection to <paramref name="keys"/> (valid ones) in order, until its list
    /// is full. Once registered, the result holds the newly subscribed keys' current values for
    /// the targets the client gets updates for (itself, its channels and their members, whom it
    /// monitors).
    /// </summary>
    public MetadataSubscription SubscribeMetadata(IrcUser user, IClientSink connection, IReadOnlyList<string> keys)
    {
        lock (_gate)
        {
            if (!_metadataSubs.TryGetValue(connection, out var subs))
            {
                subs = new HashSet<string>(StringComparer.Ordinal);
            }
            var ok = new List<string>();
            var added = new HashSet<string>(StringComparer.Ordinal);
            string? tooMany = null;
            foreach (var key in keys)
            {
                if (!subs.Contains(key))
                {
                    if (subs.Count >= MetadataLimits.MaxSubs)
                    {
                        tooMany = key;
                        break;
                    }
                    subs.Add(key);
                    added.Add(key);
                }
                ok.Add(key);
            }
            if (subs.Count > 0)
            {
                _metadataSubs[connection] = subs;
            }
            var current = new List<MetadataEntry>();
            var later = new List<string>();
            if (user.IsRegistered && added.Count > 0)
            {
                CollectForSubscriberLocked(user, added, current, later);
            }
            return new MetadataSubscription(ok, tooMany, current, later);
        }
    }

    /// <summary>Drops these keys from the connection's subscriptions (those not subscribed to are no error).</summary>
    public void UnsubscribeMetadata(IClientSink connection, IEnumerable<string> keys)
    {
        lock (_gate)
        {
            if (!_metadataSubs.TryGetValue(connection, out var subs))
            {
                return;
            }
            foreach (var key in keys)
            {
                subs.Remove(key);
            }
            if (subs.Count == 0)
            {
                _metadataSubs.Remove(connection);
            }
        }
    }

    /// <summary>The keys the connection subscribes to, sorted.</summary>
    public List<string> MetadataSubscriptions(IClientSink connection)
    {
        lock (_gate)
        {
            return _metadataSubs.TryGetValue(connection, out var subs) ? [.. subs.Order(StringComparer.Ordinal)] : [];
        }
    }

    /// <summary>
    /// METADATA SYNC: the target's values for the keys the connection subscribes to, and for a
    /// channel its members' too. Channels: members and IRC operators only.
    /// </summary>
    public MetadataSyncResult SyncMetadata(IrcUser viewer, IClientSink connection, string target)
    {
        lock (_gate)
        {
            if (!TryResolveMetadataLocked(viewer, target, out var user, out var channel))
            {
                return new MetadataSyncResult(MetadataError.InvalidTarget, target, []);
            }
            var name = MetadataName(user, channel);
            if (!CanReadMetadata(viewer, channel))
            {
                return new MetadataSyncResult(MetadataError.NoPermission, name, []);
            }
            var entries = new List<MetadataEntry>();
            if (_metadataSubs.TryGetValue(connection, out var subs))
            {
                if (channel is not null)
                {
                    CollectChannelLocked(channel, subs, entries, except: null, seen: null, int.MaxValue);
                }
                else
                {
                    AddValues(entries, name, user!.Metadata, subs);
                }
            }
            return new MetadataSyncResult(MetadataError.None, name, entries);
        }
    }

    /// <summary>
    /// After <paramref name="user"/> joined <paramref name="channelName"/> through
    /// <paramref name="connection"/>: members who did not share a channel with the joiner yet are
    /// told its values for the keys they subscribe to (<paramref name="announce"/>); and, with
    /// <paramref name="sync"/>, the result holds the channel's and its members' values for the keys
    /// the connection subscribes to (Later when there are more than
    /// <see cref="MetadataLimits.JoinSyncMaxLines"/>).
    /// </summary>
    public MetadataSyncResult MetadataOnJoin(IrcUser user, IClientSink connection, string channelName, bool announce, bool sync)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(channelName, out var channel) || !channel.Members.ContainsKey(user))
            {
                return new MetadataSyncResult(MetadataError.InvalidTarget, channelName, []);
            }
            if (announce && user.Metadata is { Count: > 0 } mine)
            {
                foreach (var member in channel.Members.Keys)
                {
                    if (member != user && !SharesAnotherChannel(member, user, channel))
                    {
                        foreach (var (key, value) in mine)
                        {
                            DeliverToSubscribersLocked(member, null, key, KeyValueNotice(user.Nick, key, value));
                        }
                    }
                }
            }
            var entries = new List<MetadataEntry>();
            if (sync && _metadataSubs.TryGetValue(connection, out var subs)
                && !CollectChannelLocked(channel, subs, entries, except: user, seen: null, MetadataLimits.JoinSyncMaxLines))
            {
                return new MetadataSyncResult(MetadataError.None, channel.Name, [], Later: true);
            }
            return new MetadataSyncResult(MetadataError.None, channel.Name, entries);
        }
    }

    /// <summary>The values of these (online) users for the keys the connection subscribes to (MONITOR +).</summary>
    public List<MetadataEntry> SubscribedMetadataOf(IClientSink connection, IEnumerable<IrcUser> users)
    {
        var entries = new List<MetadataEntry>();
        lock (_gate)
        {
            if (_metadataSubs.TryGetValue(connection, out var subs))
            {
                foreach (var u in users)
                {
                    if (u.IsRegistered)
                    {
                        AddValues(entries, u.Nick, u.Metadata, subs);
                    }
                }
            }
        }
        return entries;
    }

    // --- under the lock ---------------------------------------------------------------------

    /// <summary>A connection ended: its subscriptions go (called from Disconnect).</summary>
    private void ForgetMetadataSubscriptionsLocked(IClientSink connection) => _metadataSubs.Remove(connection);

    /// <summary>
    /// A connection that set metadata before registration attached to a multiclient user: its
    /// keys join the user's (those beyond the user's limit are dropped), and subscribers are told
    /// of the changes, as if it had set them then.
    /// </summary>
    private void AdoptMetadataLocked(IrcUser from, IrcUser to, IClientSink connection)
    {
        if (from.Metadata is not { } theirs)
        {
            return;
        }
        from.Metadata = null;
        foreach (var (key, value) in theirs)
        {
            if (PutLocked(to, null, key, value, out var changed) == MetadataError.None && changed)
            {
                NotifyMetadataLocked(connection, to, null, to.Nick, key, value);
            }
        }
    }

    /// <summary>Stores a value within the limit; <paramref name="changed"/> is false when it was there already.</summary>
    private static MetadataError PutLocked(IrcUser? user, Channel? channel, string key, string value, out bool changed)
    {
        changed = false;
        var map = channel is not null ? channel.Metadata : user!.Metadata;
        if (map is not null && map.TryGetValue(key, out var old))
        {
            if (old == value)
            {
                return MetadataError.None;
            }
        }
        else if (map is not null && map.Count >= MetadataLimits.MaxKeys)
        {
            return MetadataError.LimitReached;
        }
        if (map is null)
        {
            map = new Dictionary<string, string>(StringComparer.Ordinal);
            StoreMap(user, channel, map);
        }
        map[key] = value;
        changed = true;
        return MetadataError.None;
    }

    /// <summary><c>*</c> is the actor (before registration, the only target); else a registered nick or an existing channel.</summary>
    private bool TryResolveMetadataLocked(IrcUser actor, string target, out IrcUser? user, out Channel? channel)
    {
        user = null;
        channel = null;
        if (target == "*")
        {
            user = actor;
            return true;
        }
        if (!actor.IsRegistered)
        {
            return false;
        }
        if (ChannelNames.IsChannel(target))
        {
            return _channels.TryGetValue(target, out channel);
        }
        if (_nicks.TryGetValue(target, out var found) && found.IsRegistered)
        {
            user = found;
            return true;
        }
        return false;
    }

    private static string MetadataName(IrcUser? user, Channel? channel)
        => channel?.Name ?? (user!.IsRegistered ? user.Nick : "*");

    /// <summary>A user's metadata is public; a channel's is for its members (as its topic) and IRC operators.</summary>
    private static bool CanReadMetadata(IrcUser viewer, Channel? channel)
        => channel is null || channel.Members.ContainsKey(viewer) || viewer.IsOperator;

    /// <summary>Users set their own, channel operators their channel's; IRC operators anyone's.</summary>
    private static bool CanWriteMetadata(IrcUser actor, IrcUser? user, Channel? channel)
        => actor.IsOperator || (channel is not null ? ChannelRules.IsOperator(channel, actor) : user == actor);

    private static void StoreMap(IrcUser? user, Channel? channel, Dictionary<string, string>? map)
    {
        if (channel is not null)
        {
            channel.Metadata = map;
        }
        else
        {
            user!.Metadata = map;
        }
    }

    /// <summary>
    /// Delivers <paramref name="message"/> to those of the user's connections that have the
    /// capability and subscribe to <paramref name="key"/>, but <paramref name="except"/>.
    /// </summary>
    private void DeliverToSubscribersLocked(IrcUser recipient, IClientSink? except, string key, OutboundMessage message)
    {
        foreach (var (connection, target) in recipient.Sink.Entries)
        {
            if (connection != except && (target.Caps & Capability.Metadata) != 0
                && _metadataSubs.TryGetValue(connection, out var subs) && subs.Contains(key))
            {
                target.Deliver(message);
            }
        }
    }

    /// <summary>
    /// Tells subscribers of <paramref name="key"/> who get updates for the target: a channel's
    /// members; a user's fellow members, watchers (MONITOR) and the user's own connections.
    /// Never the acting connection.
    /// </summary>
    private void NotifyMetadataLocked(IClientSink actor, IrcUser? user, Channel? channel, string target, string key, string? value)
    {
        if (_metadataSubs.Count == 0)
        {
            return;
        }
        var message = value is null
            ? FromServer(Numerics.RPL_KEYNOTSET, "*", target, key, "key not set")
            : KeyValueNotice(target, key, value);
        if (channel is not null)
        {
            foreach (var member in channel.Members.Keys)
            {
                DeliverToSubscribersLocked(member, actor, key, message);
            }
            return;
        }
        if (!user!.IsRegistered)
        {
            return;
        }
        var recipients = CommonUsers(user);
        recipients.Add(user);
        if (_monitors.TryGetValue(user.Nick, out var watchers))
        {
            recipients.UnionWith(watchers);
        }
        foreach (var r in recipients)
        {
            DeliverToSubscribersLocked(r, actor, key, message);
        }
    }

    /// <summary>761 with <c>*</c> for the recipient, so one encoding serves all.</summary>
    private OutboundMessage KeyValueNotice(string target, string key, string value)
        => FromServer(Numerics.RPL_KEYVALUE, "*", target, key, "*", value);

    /// <summary>A watcher learns the values it subscribes to of a user who came online (after 730).</summary>
    private void SendMetadataToWatcherLocked(IrcUser watcher, IrcUser online)
    {
        if (online.Metadata is not { } map || _metadataSubs.Count == 0)
        {
            return;
        }
        foreach (var (key, value) in map)
        {
            DeliverToSubscribersLocked(watcher, null, key, KeyValueNotice(online.Nick, key, value));
        }
    }

    private static bool SharesAnotherChannel(IrcUser a, IrcUser b, Channel except)
    {
        foreach (var channel in b.Channels)
        {
            if (channel != except && channel.Members.ContainsKey(a))
            {
                return true;
            }
        }
        return false;
    }

    private static void AddValues(List<MetadataEntry> entries, string target, Dictionary<string, string>? map, IReadOnlySet<string> keys)
    {
        if (map is null)
        {
            return;
        }
        foreach (var (key, value) in map)
        {
            if (keys.Contains(key))
            {
                entries.Add(new MetadataEntry(target, key, value));
            }
        }
    }

    /// <summary>
    /// Adds a channel's values and its members' (each member once across calls when
    /// <paramref name="seen"/> is given) for <paramref name="keys"/>; false, with the entries
    /// of this channel taken back, once there are more than <paramref name="maxEntries"/>.
    /// </summary>
    private static bool CollectChannelLocked(Channel channel, IReadOnlySet<string> keys, List<MetadataEntry> entries,
        IrcUser? except, HashSet<IrcUser>? seen, int maxEntries)
    {
        var start = entries.Count;
        AddValues(entries, channel.Name, channel.Metadata, keys);
        foreach (var member in channel.Members.Keys)
        {
            if (member != except && (seen is null || seen.Add(member)))
            {
                AddValues(entries, member.Nick, member.Metadata, keys);
                if (entries.Count - start > maxEntries)
                {
                    entries.RemoveRange(start, entries.Count - start);
                    return false;
                }
            }
        }
        return entries.Count - start <= maxEntries;
    }

    /// <summary>The current values of <paramref name="keys"/> for everything a subscriber gets updates for.</summary>
    private void CollectForSubscriberLocked(IrcUser user, IReadOnlySet<string> keys, List<MetadataEntry> entries, List<string> later)
    {
        // One budget for the whole reply: a channel that does not fit is left for METADATA SYNC
        // (774), and so are monitored users once it is spent (they are sent when they come online).
        var seen = new HashSet<IrcUser> { user };
        AddValues(entries, user.Nick, user.Metadata, keys);
        foreach (var channel in user.Channels)
        {
            if (!CollectChannelLocked(channel, keys, entries, except: null, seen, Math.Max(0, MetadataLimits.JoinSyncMaxLines - entries.Count)))
            {
                later.Add(channel.Name);
            }
        }
        foreach (var folded in user.Monitoring)
        {
            if (entries.Count >= MetadataLimits.JoinSyncMaxLines)
            {
                break;
            }
            if (_nicks.TryGetValue(folded, out var watched) && watched.IsRegistered && seen.Add(watched))
            {
                AddValues(entries, watched.Nick, watched.Metadata, keys);
            }
        }
    }
}
