using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Parley.Cluster.Grains;
using Parley.Server.Network;

namespace Parley.Cluster;

/// <summary>
/// This node's side of the Network seam (<see cref="INetworkLink"/>) on Orleans: nick claims go
/// to nick grains; private messages to remote users go to the holder's node observer; the
/// node's own observer delivers what other nodes send here into <see cref="IrcNetwork"/>.
/// </summary>
/// <remarks>
/// Threading: <see cref="ReleaseNick"/> is called under IrcNetwork's lock: it only chains a
/// task (which first yields, so no grain call runs under the lock); releases are sent in the
/// order they were made, and a claim waits for them (<see cref="ClaimNickAsync"/>).
/// </remarks>
public sealed partial class ClusterLink(IGrainFactory grains, ILocalSiloDetails silo, IClusterMembershipService membership, ILogger<ClusterLink> logger,
    IOptions<ClusterMembershipOptions> membershipOptions, NodeIdentity? identity = null) : INetworkLink
{
    /// <summary>
    /// The unit of patience with other nodes: the probe timeout (Server:Cluster:ProbeTimeout,
    /// 1 s by default). The waits on other nodes and grains below are multiples of it, so a
    /// cluster given a longer one (slow links, stalling hosts) is as patient everywhere.
    /// </summary>
    private readonly TimeSpan _probe = membershipOptions.Value.ProbeTimeout;

    private readonly Lock _gate = new();
    private readonly string _node = silo.SiloAddress.ToParsableString();
    private IrcNetwork? _network;
    private INodeObserver? _observerReference;

    /// <summary>
    /// The observer object itself: Orleans holds an object reference's target only weakly, and
    /// collects it ("Object associated with id … has been garbage collected") unless its owner
    /// keeps it; then every other node's call to this one fails.
    /// </summary>
    private NodeObserver? _observerObject;
    private Task _releases = Task.CompletedTask;

    /// <summary>This node's id in nick holders: its silo address (unique per start).</summary>
    public string Node => _node;

    private IrcNetwork Network => _network ?? throw new InvalidOperationException("not attached");

    public void Attach(IrcNetwork network) => _network = network;


    public async ValueTask<RemoteWhois?> WhoisAsync(string nick, bool viewerIsOperator, CancellationToken cancellationToken = default)
    {
        var holder = await NickGrain(nick).GetAsync();
        if (holder is null || holder.Node == _node)
        {
            return null;
        }
        var wire = await holder.Observer.WhoisAsync(nick, viewerIsOperator);
        return wire?.ToRemote();
    }

    public async ValueTask<IReadOnlyList<string>> OnlineElsewhereAsync(IReadOnlyList<string> nicks, CancellationToken cancellationToken = default)
    {
        var holders = await Task.WhenAll(nicks.Select(n => NickGrain(n).GetAsync()));
        return [.. holders.Where(h => h is not null && h.Node != _node).Select(h => h!.Nick)];
    }

    /// <summary>How long LUSERS waits for another node's counts (a node dying but not yet declared dead would hang it).</summary>
    private TimeSpan CountsTimeout => _probe * 3;

    /// <summary>Puts this node's observer in the node directory (at start, and again if the directory lost it).</summary>
    public Task RegisterNodeAsync() => grains.GetGrain<INodeDirectoryGrain>(0).RegisterAsync(new NodeEntry(_node, Observer));

    public async ValueTask<RemoteCounts> CountsElsewhereAsync(CancellationToken cancellationToken = default)
    {
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(silo.SiloAddress))
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        var nodes = await grains.GetGrain<INodeDirectoryGrain>(0).GetAsync();
        var counts = await Task.WhenAll(nodes.Where(n => active.Contains(n.Node)).Select(async n =>
        {
            try
            {
                return await n.Observer.CountsAsync().WaitAsync(CountsTimeout, cancellationToken);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                return null;
            }
        }));
        var answered = counts.Where(c => c is not null).Select(c => c!).ToList();
        return new RemoteCounts(active.Count, answered.Sum(c => c.Visible), answered.Sum(c => c.Invisible), answered.Sum(c => c.Operators), answered.Sum(c => c.Channels));
    }

    /// <summary>The other nodes that are up, from the node directory (LUSERS, LIST).</summary>
    private async Task<NodeEntry[]> OtherActiveNodesAsync()
    {
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(silo.SiloAddress))
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        var nodes = await grains.GetGrain<INodeDirectoryGrain>(0).GetAsync();
        return [.. nodes.Where(n => active.Contains(n.Node))];
    }

    public async ValueTask<IReadOnlyList<ChannelSummary>> ChannelsElsewhereAsync(CancellationToken cancellationToken = default)
    {
        var nodes = await OtherActiveNodesAsync();
        var lists = await Task.WhenAll(nodes.Select(async n =>
        {
            try
            {
                return await n.Observer.ChannelsAsync().WaitAsync(CountsTimeout, cancellationToken);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                return [];
            }
        }));
        return [.. lists.SelectMany(l => l).Select(c => c.ToSummary())];
    }

    public async ValueTask<ChannelSnapshot?> QueryChannelAsync(string channel, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await grains.GetGrain<IChannelGrain>(Network.CaseMapping.Fold(channel)).QueryAsync().WaitAsync(CountsTimeout, cancellationToken);
            return reply.Snapshot?.ToSnapshot();
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // Answered as if there were no such channel: a query, nothing lost.
            LogQueryFailed(logger, ex, channel);
            return null;
        }
    }

    [LoggerMessage(EventId = 9011, Level = LogLevel.Warning, Message = "asking the cluster about {Channel} failed")]
    private static partial void LogQueryFailed(ILogger logger, Exception ex, string channel);

    public async ValueTask<MemberInfo?> FindUserElsewhereAsync(string nick, CancellationToken cancellationToken = default)
    {
        var holder = await NickGrain(nick).GetAsync();
        if (holder is null || holder.Node == _node)
        {
            return null;
        }
        var member = await holder.Observer.MemberAsync(nick);
        return member?.ToInfo();
    }

    public async ValueTask DeliverInviteAsync(MemberInfo target, string channel, OutboundMessage line, bool granted, CancellationToken cancellationToken = default)
    {
        var holders = await NickGrain(target.Nick).GetHoldersAsync();
        foreach (var holder in holders)
        {
            if (holder.Node == target.Node)
            {
                await holder.Observer.InviteAsync(target.UserId, target.Nick, channel, WireMessage.From(line), granted);
            }
        }
    }

    public IReadOnlyList<string> OtherNodes
        => [.. membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(silo.SiloAddress))
            .Select(m => m.Name)
            .Order(StringComparer.Ordinal)];

    /// <summary>This node's observer reference, made at first use (the silo runs by then).</summary>
    private INodeObserver Observer
    {
        get
        {
            lock (_gate)
            {
                if (_observerReference is null)
                {
                    _observerObject = new NodeObserver(this, Network, identity ?? new NodeIdentity(Network.ServerName, "Parley cluster node"));
                    _observerReference = grains.CreateObjectReference<INodeObserver>(_observerObject);
                }
                return _observerReference;
            }
        }
    }

    private INickGrain NickGrain(string nick) => grains.GetGrain<INickGrain>(Network.CaseMapping.Fold(nick));

    public ValueTask<bool> ClaimNickAsync(string nick, long userId, string? account, CancellationToken cancellationToken = default)
        => ClaimAsync(nick, userId, account, attach: false, cancellationToken);

    public ValueTask<bool> AttachNickAsync(string nick, long userId, string account, CancellationToken cancellationToken = default)
        => ClaimAsync(nick, userId, account, attach: true, cancellationToken);

    public async ValueTask<bool> IsHeldByAccountElsewhereAsync(string nick, CancellationToken cancellationToken = default)
    {
        var holder = await NickGrain(nick).GetAsync();
        return holder is not null && holder.Node != _node && holder.Account is not null;
    }

    public async ValueTask DeliverToSessionsElsewhereAsync(string nick, IReadOnlyList<OutboundMessage> lines, CancellationToken cancellationToken = default)
    {
        // The account's sessions as the account grain told this node (no grain call per message);
        // the nick's holders while it has not told yet.
        IEnumerable<(string Node, INodeObserver Observer)> others;
        if (Network.LocalUserIdOf(nick) is { } id && AccountSessionsOf(id) is { } sessions)
        {
            others = sessions.Where(x => x.Node != _node).Select(x => (x.Node, x.Observer));
        }
        else
        {
            others = (await NickGrain(nick).GetHoldersAsync()).Where(h => h.Node != _node).Select(h => (h.Node, h.Observer));
        }
        WireMessage[]? wire = null;
        foreach (var (_, observer) in others)
        {
            wire ??= [.. lines.Select(WireMessage.From)];
            await observer.DeliverToSessionsAsync(nick, wire);
        }
    }

    public async ValueTask RenameSessionsElsewhereAsync(string oldNick, string newNick, string account, CancellationToken cancellationToken = default)
    {
        try
        {
            // This node's release of the old nick first: the holders left are the other nodes'.
            await ReleasesSentAsync();
            var holders = await NickGrain(oldNick).GetHoldersAsync();
            foreach (var holder in holders)
            {
                if (holder.Node == _node)
                {
                    continue;
                }
                try
                {
                    if (!await holder.Observer.RenameSessionAsync(oldNick, newNick, account))
                    {
                        LogRenameRefused(logger, holder.Node, oldNick, newNick);
                    }
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    LogRenameFailed(logger, ex, oldNick, newNick);
                }
            }
            await AccountGrain(account).RenameAsync(newNick);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogRenameFailed(logger, ex, oldNick, newNick);
        }
    }

    /// <summary>The account's user on another node changed nick: the local user of the account follows (<see cref="INodeObserver.RenameSessionAsync"/>).</summary>
    private async Task<bool> RenameSessionHereAsync(string oldNick, string newNick, string account)
    {
        if (Network.FindAccountUser(oldNick, account) is not { } userId)
        {
            return false;
        }
        if (!await AttachNickAsync(newNick, userId, account))
        {
            return false;
        }
        if (Network.RenameFromElsewhere(userId, oldNick, newNick) != IrcNetwork.NickResult.Ok)
        {
            ReleaseNick(newNick, userId);
            return false;
        }
        Network.SetSessionsElsewhere(newNick, userId, true);
        // The old nick released before the renaming node answers its client: free once it has.
        await ReleasesSentAsync();
        return true;
    }

    /// <summary>Completes once the releases (and late claims) queued so far have been sent.</summary>
    private Task ReleasesSentAsync()
    {
        lock (_gate)
        {
            return _releases;
        }
    }

    [LoggerMessage(EventId = 9023, Level = LogLevel.Warning, Message = "node {Node} did not rename its user {OldNick} to {NewNick} (multiclient across nodes)")]
    private static partial void LogRenameRefused(ILogger logger, string node, string oldNick, string newNick);

    [LoggerMessage(EventId = 9024, Level = LogLevel.Warning, Message = "renaming {OldNick} to {NewNick} on the account's other nodes failed")]
    private static partial void LogRenameFailed(ILogger logger, Exception ex, string oldNick, string newNick);

    /// <summary>
    /// How long a claim may wait for its nick grain: one whose node just died waits until the
    /// death is declared and its directory lease ends (about 3 s, much more on a loaded
    /// machine). Past it the claim fails (the user is told the nick is in use, and may retry);
    /// a grant that arrives later is undone by the next claimant (this node then says it does
    /// not hold the nick).
    /// </summary>
    private TimeSpan ClaimTimeout => _probe * 10;

    private async ValueTask<bool> ClaimAsync(string nick, long userId, string? account, bool attach, CancellationToken cancellationToken)
    {
        Task pending;
        var key = (Network.CaseMapping.Fold(nick), userId);
        lock (_gate)
        {
            pending = _releases;
            PruneClaimsLocked();
            _claimsInFlight[key] = Environment.TickCount64 + (long)ClaimSettleTime.TotalMilliseconds;
        }
        var granted = false;
        try
        {
            await pending;
            var claimant = new NickHolder(_node, userId, nick, account, Observer);
            granted = await (attach ? NickGrain(nick).AttachAsync(claimant) : NickGrain(nick).ClaimAsync(claimant)).WaitAsync(ClaimTimeout, cancellationToken);
            return granted;
        }
        finally
        {
            if (!granted)
            {
                lock (_gate)
                {
                    _claimsInFlight.Remove(key);
                }
            }
        }
    }

    /// <summary>
    /// How long a claim counts as held here although IrcNetwork does not show it yet: the
    /// handler gives the user the nick a moment after the grant arrives, and another node's
    /// claim in that moment asks this node (<see cref="INodeObserver.HoldsNickAsync"/>). A
    /// release ends it sooner. Erring long only refuses a nick for a while, never gives it twice.
    /// </summary>
    private TimeSpan ClaimSettleTime => _probe * 10;

    /// <summary>Claims sent or granted that IrcNetwork may not show yet: (folded nick, user id) → until when (<see cref="Environment.TickCount64"/>).</summary>
    private readonly Dictionary<(string Nick, long UserId), long> _claimsInFlight = [];

    /// <summary>Whether the local user <paramref name="userId"/> holds <paramref name="nick"/>, or was just granted it.</summary>
    private bool HoldsNick(string nick, long userId)
    {
        if (Network.HoldsNick(nick, userId))
        {
            return true;
        }
        var now = Environment.TickCount64;
        lock (_gate)
        {
            var key = (Network.CaseMapping.Fold(nick), userId);
            if (_claimsInFlight.TryGetValue(key, out var until))
            {
                if (now < until)
                {
                    return true;
                }
                _claimsInFlight.Remove(key);
            }
            return false;
        }
    }

    /// <summary>Entries are removed by a refusal or a release; this only bounds what an unforeseen path might leave.</summary>
    private void PruneClaimsLocked()
    {
        if (_claimsInFlight.Count < 4096)
        {
            return;
        }
        var now = Environment.TickCount64;
        foreach (var (k, t) in _claimsInFlight)
        {
            if (t <= now)
            {
                _claimsInFlight.Remove(k);
            }
        }
    }

    public void ReleaseNick(string nick, long userId)
    {
        var grain = NickGrain(nick);
        lock (_gate)
        {
            _claimsInFlight.Remove((Network.CaseMapping.Fold(nick), userId));
            _releases = ReleaseAfterAsync(_releases, grain, userId, nick);
        }
    }

    public void NickTaken(string nick, long userId, string? account)
    {
        lock (_gate)
        {
            _releases = ClaimAfterAsync(_releases, nick, userId, account);
        }
    }

    private async Task ClaimAfterAsync(Task previous, string nick, long userId, string? account)
    {
        await Task.Yield();
        await previous;
        try
        {
            if (!await NickGrain(nick).ClaimAsync(new NickHolder(_node, userId, nick, account, Observer)))
            {
                LogLateClaimRefused(logger, nick);
            }
        }
        catch (Exception ex)
        {
            LogLateClaimFailed(logger, ex, nick);
        }
    }

    private async Task ReleaseAfterAsync(Task previous, INickGrain grain, long userId, string nick)
    {
        await Task.Yield();
        await previous;
        try
        {
            await grain.ReleaseAsync(_node, userId);
        }
        catch (Exception ex)
        {
            // The nick stays claimed until its grain is reactivated or the node leaves: logged, not fatal.
            LogReleaseFailed(logger, ex, nick);
        }
    }

    [LoggerMessage(EventId = 9004, Level = LogLevel.Warning, Message = "the nick {Nick} taken here is held on another node too")]
    private static partial void LogLateClaimRefused(ILogger logger, string nick);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Warning, Message = "claiming the nick {Nick} in the cluster failed")]
    private static partial void LogLateClaimFailed(ILogger logger, Exception ex, string nick);

    public async ValueTask<RemoteRecipient?> SendToUserAsync(string nick, IReadOnlyList<OutboundMessage> lines, string fromNick, CancellationToken cancellationToken = default)
    {
        // Several holders: one account's users on several nodes (multiclient across nodes).
        // A holder on this node is one IrcNetwork did not find a moment ago: it quit and its
        // release is on its way (or its grant is not applied yet). The account's users on other
        // nodes still hold the nick (multiclient across nodes): they get the message. (Returning
        // null there lost it: CrossNodeTests' multiclient test, flaky under load.)
        if (Network.FindUser(fromNick) is { } sender)
        {
            // The sender's last channel message reaches every node before this does.
            await FannedOut(MemberInfo.Of(_node, sender));
        }
        var holders = (await NickGrain(nick).GetHoldersAsync()).Where(h => h.Node != _node).ToArray();
        if (holders.Length == 0)
        {
            return null;
        }
        var wire = new WireMessage[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            wire[i] = WireMessage.From(lines[i]);
        }
        // The first node that has the user stores the recipient's copy (history is shared); the others only deliver.
        RecipientWire? got = null;
        foreach (var holder in holders)
        {
            if (got is null)
            {
                got = await holder.Observer.DeliverPrivateAsync(nick, wire, fromNick);
            }
            else
            {
                await holder.Observer.DeliverToSessionsAsync(nick, wire);
            }
        }
        return got is null ? null : new RemoteRecipient(got.Nick, got.AwayMessage);
    }

    /// <summary>This node's check of channel event order.</summary>
    public ChannelSequencer Sequencer { get; } = new();

    /// <summary>
    /// Where channel events that arrive in order go. The IrcNetwork replica applies them once
    /// channels go through their grains (docs/DEVELOPING.md, "The Network seam": to do);
    /// until then tests listen here.
    /// </summary>
    public Action<string, long, ChannelEvent>? ChannelEventReceived { get; set; }

    /// <summary>This node starts receiving <paramref name="channel"/>'s events (its first local member joins).</summary>
    public async Task SubscribeChannelAsync(string channel)
    {
        var folded = Network.CaseMapping.Fold(channel);
        Sequencer.Subscribing(folded);
        var answer = await grains.GetGrain<IChannelGrain>(folded).SubscribeAsync(_node, Observer);
        Sequencer.Subscribed(folded, answer.Epoch, answer.Seq);
    }

    /// <summary>This node stops receiving <paramref name="channel"/>'s events (its last local member left).</summary>
    public async Task UnsubscribeChannelAsync(string channel)
    {
        var folded = Network.CaseMapping.Fold(channel);
        await grains.GetGrain<IChannelGrain>(folded).UnsubscribeAsync(_node);
        Sequencer.Unsubscribed(folded);
    }

    /// <summary>Sends an event through the channel's grain to every subscribed node (this one too); returns its number.</summary>
    public Task<long> PublishChannelEventAsync(string channel, string kind, IReadOnlyList<OutboundMessage> lines)
        => grains.GetGrain<IChannelGrain>(Network.CaseMapping.Fold(channel)).PublishAsync(new ChannelEvent(kind, _node, [.. lines.Select(WireMessage.From)]));

    private void OnChannelEvent(string channel, long epoch, long seq, ChannelEvent e)
    {
        switch (Sequencer.Receive(channel, epoch, seq))
        {
            case ChannelSequencer.Verdict.InOrder:
                ChannelEventReceived?.Invoke(channel, seq, e);
                break;
            case ChannelSequencer.Verdict.Gap:
                // The node missed events (it was dropped from the fan-out): to do, re-read the channel.
                LogChannelGap(logger, channel, seq);
                ChannelEventReceived?.Invoke(channel, seq, e);
                break;
            default:
                break;
        }
    }

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "channel {Channel}: event {Seq} arrived after a gap")]
    private static partial void LogChannelGap(ILogger logger, string channel, long seq);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "releasing the nick {Nick} in the cluster failed")]
    private static partial void LogReleaseFailed(ILogger logger, Exception ex, string nick);

    /// <summary>What other nodes call on this one.</summary>
    private sealed class NodeObserver(ClusterLink link, IrcNetwork network, NodeIdentity identity) : INodeObserver
    {
        public Task<WhoisWire?> WhoisAsync(string nick, bool viewerIsOperator)
        {
            var info = network.WhoisForRemote(nick, viewerIsOperator);
            return Task.FromResult(info is null ? null : WhoisWire.From(info, identity.Name, identity.Description));
        }

        public Task<bool> HoldsNickAsync(string nick, long userId) => Task.FromResult(link.HoldsNick(nick, userId));

        public Task<CountsWire> CountsAsync()
        {
            var c = network.GetCounts();
            return Task.FromResult(new CountsWire(c.Visible, c.Invisible, c.Operators, c.Channels));
        }

        public Task<MemberWire?> MemberAsync(string nick)
        {
            var user = network.FindUser(nick);
            return Task.FromResult(user is null ? null : MemberWire.From(MemberInfo.Of(link._node, user)));
        }

        public Task InviteAsync(long userId, string nick, string channel, WireMessage line, bool granted)
        {
            network.DeliverInviteFromRemote(userId, nick, channel, line.ToOutbound(), granted);
            return Task.CompletedTask;
        }

        public Task<ChannelSummaryWire[]> ChannelsAsync()
            => Task.FromResult(network.CountedChannelSummaries().Select(ChannelSummaryWire.From).ToArray());

        public Task AccountSessionsAsync(string account, long userId, AccountSession[] sessions)
        {
            link.OnAccountSessions(account, userId, sessions);
            return Task.CompletedTask;
        }

        public Task<string[]> UserChannelsAsync(long userId) => Task.FromResult(network.UserChannelNames(userId));

        public Task HoldChannelForAccountAsync(string channel, bool hold) => link.HoldChannelHereAsync(channel, hold);

        public Task DeliverToSessionsAsync(string nick, WireMessage[] lines)
        {
            network.DeliverToLocalSessions(nick, [.. lines.Select(l => l.ToOutbound())]);
            return Task.CompletedTask;
        }

        public Task ChannelEventsAsync(string channel, long epoch, long firstSeq, ChannelEvent[] events)
        {
            if (events.Length > 0 && events[0].Command is not null)
            {
                // A node's batch is all commands (its submit queue); bare events come one at a time.
                return link.OnChannelCommandsAsync(channel, epoch, firstSeq, events);
            }
            for (var i = 0; i < events.Length; i++)
            {
                link.OnChannelEvent(channel, epoch, firstSeq + i, events[i]);
            }
            return Task.CompletedTask;
        }

        public Task<SnapshotReply> SnapshotAsync(string channel) => link.SnapshotAsync(channel);

        public Task WatchAsync(NodeEntry watcher, string[] nicks, bool watching)
        {
            link.OnWatch(watcher, nicks, watching);
            return Task.CompletedTask;
        }

        public Task MonitorAsync(string node, string nick, string? prefix)
        {
            network.MonitorFromRemote(node, nick, prefix);
            return Task.CompletedTask;
        }

        public Task<string[]> WatchedAsync() => Task.FromResult(network.WatchedNicks().ToArray());

        public Task DroppedAsync(string channel)
        {
            link.OnDropped(channel);
            return Task.CompletedTask;
        }

        public Task<bool> RenameSessionAsync(string oldNick, string newNick, string account) => link.RenameSessionHereAsync(oldNick, newNick, account);

        public Task<RecipientWire?> DeliverPrivateAsync(string nick, WireMessage[] lines, string fromNick)
        {
            var outbound = new OutboundMessage[lines.Length];
            for (var i = 0; i < lines.Length; i++)
            {
                outbound[i] = lines[i].ToOutbound();
            }
            var got = network.DeliverFromRemote(nick, outbound, fromNick);
            return Task.FromResult(got is null ? null : new RecipientWire(got.Nick, got.AwayMessage));
        }
    }
}
