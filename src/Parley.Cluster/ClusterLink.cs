using Microsoft.Extensions.Logging;
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
    NodeIdentity? identity = null) : INetworkLink
{
    private readonly Lock _gate = new();
    private readonly string _node = silo.SiloAddress.ToParsableString();
    private IrcNetwork? _network;
    private INodeObserver? _observerReference;

    /// <summary>
    /// The observer object itself: Orleans holds an object reference's target only weakly and
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

    public async ValueTask<bool> ClaimNickAsync(string nick, long userId, string? account, CancellationToken cancellationToken = default)
    {
        Task pending;
        lock (_gate)
        {
            pending = _releases;
        }
        await pending;
        return await NickGrain(nick).ClaimAsync(new NickHolder(_node, userId, nick, account, Observer));
    }

    public void ReleaseNick(string nick, long userId)
    {
        var grain = NickGrain(nick);
        lock (_gate)
        {
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

    /// <summary>How many nick claims a re-claim has in flight at once.</summary>
    private const int ReclaimParallelism = 32;

    /// <summary>
    /// Claims every nick a local user holds again. After a node's death the nick grains it
    /// hosted are reactivated empty elsewhere; without this, another node's user could take a
    /// nick a user here still holds. Returns how many claims were refused (logged: a user of
    /// another node took the nick in the moment the grain was empty).
    /// </summary>
    public async Task<int> ReclaimNicksAsync(CancellationToken cancellationToken = default)
    {
        if (_network is null)
        {
            return 0;
        }
        var refused = 0;
        await Parallel.ForEachAsync(_network.LocalNicks(), new ParallelOptions { MaxDegreeOfParallelism = ReclaimParallelism, CancellationToken = cancellationToken },
            async (held, ct) =>
            {
                if (!await ClaimNickAsync(held.Nick, held.UserId, held.Account, ct))
                {
                    Interlocked.Increment(ref refused);
                    LogReclaimRefused(logger, held.Nick);
                }
            });
        return refused;
    }

    [LoggerMessage(EventId = 9004, Level = LogLevel.Warning, Message = "the nick {Nick} taken here is held on another node too")]
    private static partial void LogLateClaimRefused(ILogger logger, string nick);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Warning, Message = "claiming the nick {Nick} in the cluster failed")]
    private static partial void LogLateClaimFailed(ILogger logger, Exception ex, string nick);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "the nick {Nick} held here was taken on another node while its grain was being rebuilt")]
    private static partial void LogReclaimRefused(ILogger logger, string nick);

    public async ValueTask<RemoteRecipient?> SendToUserAsync(string nick, IReadOnlyList<OutboundMessage> lines, string fromNick, CancellationToken cancellationToken = default)
    {
        var holder = await NickGrain(nick).GetAsync();
        if (holder is null || holder.Node == _node)
        {
            // Nobody, or a user of this node (whom IrcNetwork did not find a moment ago): no one else to try.
            return null;
        }
        var wire = new WireMessage[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            wire[i] = WireMessage.From(lines[i]);
        }
        var got = await holder.Observer.DeliverPrivateAsync(nick, wire, fromNick);
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
        Sequencer.Subscribed(folded, answer.Seq);
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

    private void OnChannelEvent(string channel, long seq, ChannelEvent e)
    {
        switch (Sequencer.Receive(channel, seq))
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

        public Task<bool> HoldsNickAsync(string nick, long userId) => Task.FromResult(network.HoldsNick(nick, userId));

        public Task ChannelEventAsync(string channel, long seq, ChannelEvent e)
        {
            if (e.Command is not null)
            {
                return link.OnChannelCommandAsync(channel, seq, e);
            }
            link.OnChannelEvent(channel, seq, e);
            return Task.CompletedTask;
        }

        public Task<SnapshotReply> SnapshotAsync(string channel) => link.SnapshotAsync(channel);

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
