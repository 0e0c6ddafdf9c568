namespace Parley.Server.Network;

/// <summary>
/// A channel as LIST shows it, from the node that counts it (clustered mode): its user count
/// with and without invisible users, and whether it is secret (shown to IRC operators only,
/// since a viewer on another node is not a member).
/// </summary>
public sealed record ChannelSummary(string Name, DateTimeOffset CreatedAt, string? Topic, DateTimeOffset TopicSetAt, bool Secret, int Users, int VisibleUsers);

// Queries of channels across nodes (issue 9): NAMES, WHO, TOPIC and LIST of channels none of
// this node's users is on, and LUSERS' channel count. A channel this node holds a replica of is
// answered from it, by the single node's code; one it does not hold is asked of its channel
// grain, which hands back a replica of a node holding it (IChannelGrain.QueryAsync), and the
// same code answers from a detached copy of that replica (its members are stubs kept nowhere).
// LIST asks every other node for the channels it counts: each channel is counted by one node,
// the one with the lowest id among the nodes of its members (every replica of a channel has the
// same members, so the nodes agree without talking). On a single node Link is null and every
// method here is the synchronous one. See docs/DEVELOPING.md, "Channels across nodes".
public sealed partial class IrcNetwork
{
    /// <summary>NAMES: the channel as <paramref name="viewer"/> may see it, wherever its members are (see <see cref="GetChannelView"/>).</summary>
    public async ValueTask<ChannelView?> GetChannelViewAsync(IrcUser viewer, string name)
    {
        if (Link is null || IsReplicaHeld(name))
        {
            return GetChannelView(viewer, name);
        }
        var snapshot = await Link.QueryChannelAsync(name);
        if (snapshot is null)
        {
            return null;
        }
        lock (_gate)
        {
            return VisibleViewLocked(viewer, DetachedChannel(snapshot));
        }
    }

    /// <summary>WHO, a channel's members wherever they are (see <see cref="Who"/>).</summary>
    public async ValueTask<List<WhoEntry>> WhoAsync(IrcUser viewer, string mask, bool operatorsOnly)
    {
        if (Link is null || !ChannelNames.IsChannel(mask) || IsReplicaHeld(mask))
        {
            return Who(viewer, mask, operatorsOnly);
        }
        var result = new List<WhoEntry>();
        var snapshot = await Link.QueryChannelAsync(mask);
        if (snapshot is not null)
        {
            lock (_gate)
            {
                WhoChannelLocked(viewer, DetachedChannel(snapshot), operatorsOnly, result);
            }
        }
        return result;
    }

    /// <summary>TOPIC query of a channel wherever it is (see <see cref="GetTopic"/>): members only, so 442 for one of another node.</summary>
    public async ValueTask<(ChannelOpError Error, ChannelView? View)> GetTopicAsync(IrcUser user, string name)
    {
        if (Link is null || IsReplicaHeld(name))
        {
            return GetTopic(user, name);
        }
        var snapshot = await Link.QueryChannelAsync(name);
        if (snapshot is null)
        {
            return (ChannelOpError.NoSuchChannel, null);
        }
        lock (_gate)
        {
            return TopicLocked(user, DetachedChannel(snapshot));
        }
    }

    /// <summary>
    /// LIST over the whole network (see <see cref="ListChannels"/>): this node's replicas as it
    /// sees them, then the channels the other nodes count that this node holds no replica of
    /// (the viewer is on none of them: secret ones only for IRC operators, invisible users
    /// counted only for them).
    /// </summary>
    public async ValueTask<List<ChannelListItem>> ListChannelsAsync(IrcUser viewer, ChannelListQuery query)
    {
        var items = ListChannels(viewer, query);
        if (Link is null)
        {
            return items;
        }
        var elsewhere = await Link.ChannelsElsewhereAsync();
        var now = Now;
        lock (_gate)
        {
            var seen = new HashSet<string>(CaseMapping.Comparer);
            foreach (var item in items)
            {
                seen.Add(item.Name);
            }
            HashSet<string>? named = query.Names.Count == 0 ? null : new(query.Names, CaseMapping.Comparer);
            foreach (var c in elsewhere)
            {
                if (Replicas.Contains(c.Name) || _channels.ContainsKey(c.Name) || !seen.Add(c.Name))
                {
                    continue;
                }
                if ((named is not null && !named.Contains(c.Name)) || (c.Secret && !viewer.IsOperator))
                {
                    continue;
                }
                var users = viewer.IsOperator ? c.Users : c.VisibleUsers;
                if (query.Matches(c.Name, c.CreatedAt, c.TopicSetAt, users, now, CaseMapping))
                {
                    items.Add(new ChannelListItem(c.Name, users, c.Topic));
                }
            }
        }
        return items;
    }

    /// <summary>The channels this node counts (LIST on other nodes; see the file's comment).</summary>
    public List<ChannelSummary> CountedChannelSummaries()
    {
        var self = Link?.NodeId ?? "";
        lock (_gate)
        {
            var list = new List<ChannelSummary>();
            foreach (var channel in _channels.Values)
            {
                if (CountsChannelLocked(channel, self))
                {
                    var visible = 0;
                    foreach (var member in channel.Members.Keys)
                    {
                        if (!member.IsInvisible)
                        {
                            visible++;
                        }
                    }
                    list.Add(new ChannelSummary(channel.Name, channel.CreatedAt, channel.Topic, channel.TopicSetAt, channel.Has(ChannelModeFlags.Secret), channel.Members.Count, visible));
                }
            }
            return list;
        }
    }

    /// <summary>How many channels this node counts (LUSERS in a cluster). Under the lock.</summary>
    private int CountedChannelsLocked()
    {
        var self = Link?.NodeId ?? "";
        var count = 0;
        foreach (var channel in _channels.Values)
        {
            if (CountsChannelLocked(channel, self))
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>
    /// Whether this node (<paramref name="self"/>) has a member of the channel and the lowest id
    /// among the nodes of its members. A member's node is where its user is: a stub's node, the
    /// primary's node for a proxy (a user here standing for its account's user elsewhere), else
    /// this one; so a replica left with only other nodes' members counts nothing here.
    /// </summary>
    private static bool CountsChannelLocked(Channel channel, string self)
    {
        var mine = false;
        foreach (var member in channel.Members.Keys)
        {
            var node = member.RemoteNode ?? member.MemberAs?.Node ?? self;
            var order = string.CompareOrdinal(node, self);
            if (order < 0)
            {
                return false;
            }
            mine |= order == 0;
        }
        return mine;
    }

    /// <summary>
    /// A channel made from another node's replica, for answering one query: registered nowhere,
    /// its members stubs that are not kept (so the query changes nothing here). Under the lock.
    /// </summary>
    private Channel DetachedChannel(ChannelSnapshot s)
    {
        var channel = new Channel(s.Name, s.CreatedAt)
        {
            Topic = s.Topic,
            TopicSetBy = s.TopicSetBy,
            TopicSetAt = s.TopicSetAt,
            Flags = s.Flags,
            Key = s.Key,
            Limit = s.Limit,
        };
        channel.Metadata = s.Metadata is { Count: > 0 } metadata ? new Dictionary<string, string>(metadata, StringComparer.Ordinal) : null;
        channel.Bans.AddRange(s.Bans);
        channel.Excepts.AddRange(s.Excepts);
        channel.InviteExceptions.AddRange(s.InviteExceptions);
        foreach (var m in s.Members)
        {
            channel.Members[NewStub(m.Member)] = m.Status;
        }
        return channel;
    }
}
