using Microsoft.Extensions.Logging;
using Parley.Cluster.Grains;
using Parley.Server.Network;

namespace Parley.Cluster;

// IRC channels across nodes (issue 9): this node's replicas of channels, kept by their grains.
// Each channel this node holds a replica of is subscribed to its grain; the grain's events
// (ChannelCommand) are applied to IrcNetwork one at a time per channel, in the grain's order,
// numbers checked on receipt. See docs/DEVELOPING.md, "Channels across nodes".
public sealed partial class ClusterLink
{
    private readonly Dictionary<string, Replica> _replicas = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deadNodes = new(StringComparer.Ordinal);
    private Task _userEvents = Task.CompletedTask;

    /// <summary>How many subscriptions a node's death has in flight at once (each checks that a grain still knows this node).</summary>
    private const int ResubscribeParallelism = 32;

    private enum ReplicaState
    {
        None,
        Subscribing,
        Subscribed,
    }

    /// <summary>One channel's subscription on this node.</summary>
    private sealed class Replica
    {
        /// <summary>Subscribing and unsubscribing, one at a time.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Events applied one at a time, in order (taken before IrcNetwork's lock, never under it).</summary>
        public Lock Apply { get; } = new();

        public ReplicaState State { get; set; }

        /// <summary>The epoch of the grain activation whose events this node receives (a new activation numbers from 1 again).</summary>
        public long Epoch { get; set; }

        /// <summary>The number of the last event applied, in <see cref="Epoch"/>.</summary>
        public long Last { get; set; }

        /// <summary>Events that arrived while the subscription's answer was on its way, in the order they came.</summary>
        public List<(long Epoch, long Seq, ChannelEvent Event)>? Early { get; set; }

        /// <summary>Completed once a subscription is installed (a snapshot asked meanwhile waits for it).</summary>
        public TaskCompletionSource Installed { get; set; } = Done();

        public static TaskCompletionSource Done()
        {
            var t = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            t.SetResult();
            return t;
        }
    }

    public string NodeId => _node;

    /// <summary>Events received out of turn (a gap, or twice) since the start, over every channel.</summary>
    public long ChannelAnomalies { get; private set; }

    private Replica ReplicaOf(string folded)
    {
        lock (_gate)
        {
            if (!_replicas.TryGetValue(folded, out var r))
            {
                _replicas[folded] = r = new Replica();
            }
            return r;
        }
    }

    private Replica? FindReplica(string folded)
    {
        lock (_gate)
        {
            return _replicas.GetValueOrDefault(folded);
        }
    }

    private IChannelGrain ChannelGrain(string folded) => grains.GetGrain<IChannelGrain>(folded);

    public async ValueTask SubmitChannelCommandAsync(ChannelCommand command, CancellationToken cancellationToken = default)
    {
        Task events;
        lock (_gate)
        {
            events = _userEvents;
        }
        var folded = Network.CaseMapping.Fold(command.Channel);
        var e = new ChannelEvent(command.Op.ToString(), _node, [], ChannelCommandWire.From(command));
        try
        {
            await events.WaitAsync(cancellationToken);
            var lostGrains = 0;
            for (var attempt = 0; attempt < 3; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await EnsureSubscribedAsync(folded, command.Channel, resume: attempt > 0, cancellationToken: cancellationToken);
                try
                {
                    // Abandoned by the caller (its timeout): the grain may still run the call; this
                    // node then refuses the command when the grain hands it over (IrcNetwork.ClaimCommand).
                    var seq = await ChannelGrain(folded).PublishAsync(e).WaitAsync(cancellationToken);
                    if (seq >= 0)
                    {
                        // If a subscription of the channel (a resume after a death) was on its way
                        // when the grain handed this node the command, the command waits with it
                        // and is applied once it is installed: the handler's pending command (its
                        // client's user and answer) must still be there then.
                        await ReplicaOf(folded).Installed.Task.WaitAsync(cancellationToken);
                        return;
                    }
                    if (seq == ChannelGrainResults.RefusedByOrigin && Network.IsCommandSettled(command.Id))
                    {
                        // Refused by this node: sequenced once already, or given up on.
                        return;
                    }
                    // The grain does not know this node: it dropped it, or came back without it
                    // (or this node's replica was not ready to take the command).
                }
                catch (SiloUnavailableException) when (++lostGrains <= MaxGrainLosses && !Network.IsCommandSettled(command.Id))
                {
                    // The grain's node died with the command on its way (the call fails once the
                    // death is declared; the next call activates the grain on another node, which
                    // knows the subscribed nodes). Not taken here, so not sequenced: sent again.
                    LogCommandRetried(logger, command.Op.ToString(), command.Channel);
                    attempt--;
                }
            }
            LogCommandLost(logger, command.Op.ToString(), command.Channel);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogCommandTimedOut(logger, command.Op.ToString(), command.Channel);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // The command did not happen; the client gets the handler's answer for that.
            LogCommandFailed(logger, ex, command.Op.ToString(), command.Channel);
        }
    }

    [LoggerMessage(EventId = 9026, Level = LogLevel.Warning, Message = "a {Op} to {Channel} took too long in the cluster: its client is told it failed")]
    private static partial void LogCommandTimedOut(ILogger logger, string op, string channel);

    /// <summary>How many times one command is sent again because its grain's node died (one death each).</summary>
    private const int MaxGrainLosses = 2;

    [LoggerMessage(EventId = 9021, Level = LogLevel.Information, Message = "a {Op} to {Channel} is sent again: its grain's node died")]
    private static partial void LogCommandRetried(ILogger logger, string op, string channel);

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message = "a {Op} to {Channel} failed in the cluster")]
    private static partial void LogCommandFailed(ILogger logger, Exception ex, string op, string channel);

    /// <summary>
    /// Subscribes to the channel's grain unless this node holds its replica already, and installs
    /// the replica the grain hands over. <paramref name="resume"/>: subscribe again even if
    /// subscribed (the grain may have been lost and come back empty), keeping this node's replica
    /// if the grain still knows the node.
    /// </summary>
    private async Task EnsureSubscribedAsync(string folded, string name, bool resume, bool again = false, CancellationToken cancellationToken = default)
    {
        var replica = ReplicaOf(folded);
        // Only the wait is cancelled: a subscription once asked for is seen through.
        await replica.Gate.WaitAsync(cancellationToken);
        try
        {
            if (!resume && !again && replica.State == ReplicaState.Subscribed && Network.IsReplicaHeld(folded))
            {
                return;
            }
            lock (replica.Apply)
            {
                replica.State = ReplicaState.Subscribing;
                replica.Early = [];
                replica.Installed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            SubscribeResult answer;
            try
            {
                answer = await ChannelGrain(folded).SubscribeAsync(_node, Observer, resume && Network.IsReplicaHeld(folded));
            }
            catch
            {
                lock (replica.Apply)
                {
                    foreach (var (_, _, early) in replica.Early!)
                    {
                        if (early.Origin == _node && early.Command is { OriginApplies: true } own)
                        {
                            // Claimed, never to be applied here: its submit ends as failed.
                            Network.CommandLost(own.Id);
                        }
                    }
                    replica.State = ReplicaState.None;
                    replica.Early = null;
                    replica.Installed.TrySetResult();
                }
                throw;
            }
            lock (replica.Apply)
            {
                var early = replica.Early!;
                replica.Early = null;
                if (!answer.Kept)
                {
                    // Events sequenced before the answer reached this node only if the grain had
                    // it in its fan-out already (a node restored from the grain's storage taking
                    // a peer's snapshot): applied first, so its clients get their lines; the
                    // snapshot, which has their effect, then replaces the replica.
                    var before = early.Where(x => x.Epoch != answer.Epoch || x.Seq <= answer.Seq).ToList();
                    foreach (var (epoch, seq, e) in before)
                    {
                        ReceiveLocked(replica, folded, epoch, seq, e);
                    }
                    early.RemoveAll(before.Contains);
                    if (answer.FromPeer || !Network.IsReplicaHeld(folded))
                    {
                        Network.InstallReplica(folded, answer.Snapshot?.ToSnapshot() is { } s ? WithoutDeadNodes(s) : null, answer.FromPeer);
                    }
                    replica.Epoch = answer.Epoch;
                    replica.Last = answer.Seq;
                }
                // Kept: this node has been in the grain's fan-out all along; what came meanwhile
                // is the next events (of a new epoch if the grain was activated again).
                replica.State = ReplicaState.Subscribed;
                foreach (var (epoch, seq, e) in early)
                {
                    ReceiveLocked(replica, folded, epoch, seq, e);
                }
                replica.Installed.TrySetResult();
            }
        }
        finally
        {
            replica.Gate.Release();
        }
        _ = name;
    }

    /// <summary>
    /// The channel's grain dropped this node from its fan-out (an event not taken in time): it
    /// subscribes again, not as a resume, so the grain hands it a peer's replica, which replaces
    /// its own (whatever it missed meanwhile is in it; the lines themselves are not replayed).
    /// </summary>
    private void OnDropped(string folded)
    {
        LogDropped(logger, folded);
        _ = Task.Run(async () =>
        {
            try
            {
                if (FindReplica(folded) is not null && Network.IsReplicaHeld(folded))
                {
                    await EnsureSubscribedAsync(folded, folded, resume: false, again: true);
                }
                else if (Sequencer.IsSubscribed(folded))
                {
                    await SubscribeChannelAsync(folded);
                }
                else
                {
                    return;
                }
                ChannelResubscribed?.Invoke(folded);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogResubscribeFailed(logger, ex, folded);
            }
        });
    }

    /// <summary>For tests: a channel was subscribed again after its grain dropped this node.</summary>
    public Action<string>? ChannelResubscribed { get; set; }

    [LoggerMessage(EventId = 9025, Level = LogLevel.Warning, Message = "channel {Channel}: its grain dropped this node from the fan-out; subscribing again")]
    private static partial void LogDropped(ILogger logger, string channel);

    /// <summary>A snapshot taken by a node that has not yet seen a death this node saw: the dead node's users are gone.</summary>
    private ChannelSnapshot WithoutDeadNodes(ChannelSnapshot s)
    {
        lock (_gate)
        {
            if (_deadNodes.Count == 0 || !s.Members.Any(m => _deadNodes.Contains(m.Member.Node)))
            {
                return s;
            }
            return s with { Members = [.. s.Members.Where(m => !_deadNodes.Contains(m.Member.Node))] };
        }
    }

    /// <summary>
    /// Event <paramref name="seq"/> of a channel, from its grain (the node observer). False only
    /// for a command of this node's that it refuses (<see cref="IrcNetwork.ClaimCommand"/>: its
    /// client was told it failed, or it was sequenced already, or this node holds no replica to
    /// apply it to): the grain then hands it to nobody.
    /// </summary>
    private async Task<bool> OnChannelCommandAsync(string folded, long epoch, long seq, ChannelEvent e)
    {
        var own = e.Origin == _node && e.Command!.OriginApplies;
        var replica = FindReplica(folded);
        if (replica is null)
        {
            return !own;
        }
        lock (replica.Apply)
        {
            if (replica.State == ReplicaState.None || (own && !Network.ClaimCommand(e.Command!.Id)))
            {
                return !own;
            }
            switch (replica.State)
            {
                case ReplicaState.Subscribing:
                    replica.Early!.Add((epoch, seq, e));
                    return true;
                default:
                    ReceiveLocked(replica, folded, epoch, seq, e);
                    break;
            }
        }
        if (own)
        {
            // The origin stores the command's lines; the grain hands it to the other nodes only
            // after this returns: stored before anyone receives it (ARCHITECTURE.md rule 10).
            await Network.Deliveries.WhenDeliveredAsync();
        }
        return true;
    }

    /// <summary>Checks the event's number and applies it (under the replica's Apply lock).</summary>
    private void ReceiveLocked(Replica replica, string folded, long epoch, long seq, ChannelEvent e)
    {
        if (epoch != replica.Epoch)
        {
            // The grain was activated again (its node died): its numbers start again at 1.
            LogNewEpoch(logger, folded, seq);
            replica.Epoch = epoch;
            replica.Last = 0;
        }
        if (seq <= replica.Last)
        {
            ChannelAnomalies++;
            return;
        }
        if (seq != replica.Last + 1)
        {
            // Events were missed (this node was dropped from the fan-out for a while): applied
            // anyway; the replica may differ until the channel is subscribed again.
            ChannelAnomalies++;
            LogChannelGap(logger, folded, seq);
        }
        replica.Last = seq;
        bool dead;
        lock (_gate)
        {
            dead = _deadNodes.Contains(e.Origin);
        }
        if (!dead)
        {
            // A dead node's last commands, sequenced after this node removed its users: dropped.
            Network.ApplyChannelCommand(e.Command!.ToCommand());
        }
    }

    /// <summary>This node's replica of a channel, for a node subscribing to it.</summary>
    private async Task<SnapshotReply> SnapshotAsync(string folded)
    {
        var replica = FindReplica(folded);
        if (replica is null)
        {
            return new SnapshotReply(false, null);
        }
        await replica.Installed.Task;
        if (!Network.IsReplicaHeld(folded))
        {
            return new SnapshotReply(false, null);
        }
        var snapshot = Network.SnapshotChannel(folded);
        return new SnapshotReply(true, snapshot is null ? null : ChannelSnapshotWire.From(snapshot));
    }

    public void UserEventApplied(IReadOnlyList<ChannelCommand> commands)
    {
        lock (_gate)
        {
            _userEvents = PublishUserEventsAfterAsync(_userEvents, commands);
        }
    }

    private async Task PublishUserEventsAfterAsync(Task previous, IReadOnlyList<ChannelCommand> commands)
    {
        await Task.Yield();
        await previous;
        try
        {
            // Stored here (the QUIT or NICK line in each channel's history) before the others deliver it.
            await Network.Deliveries.WhenDeliveredAsync();
            await Task.WhenAll(commands.Select(PublishUserEventAsync));
        }
        catch (Exception ex)
        {
            LogUserEventFailed(logger, ex, commands[0].Op.ToString(), commands[0].Actor.Nick);
        }
    }

    /// <summary>
    /// One channel's copy of a user event. Sent again if the grain's node died with it on its
    /// way: applied here already, and another node applies only the first copy it gets.
    /// </summary>
    private async Task PublishUserEventAsync(ChannelCommand c)
    {
        var e = new ChannelEvent(c.Op.ToString(), _node, [], ChannelCommandWire.From(c));
        var grain = ChannelGrain(Network.CaseMapping.Fold(c.Channel));
        for (var lost = 0; ; lost++)
        {
            try
            {
                await grain.PublishAsync(e);
                return;
            }
            catch (SiloUnavailableException) when (lost < MaxGrainLosses)
            {
                LogCommandRetried(logger, c.Op.ToString(), c.Channel);
            }
        }
    }

    public void ReplicaDropped(string channel)
    {
        var folded = Network.CaseMapping.Fold(channel);
        _ = Task.Run(() => UnsubscribeIfUnusedAsync(folded));
    }

    private async Task UnsubscribeIfUnusedAsync(string folded)
    {
        var replica = FindReplica(folded);
        if (replica is null)
        {
            return;
        }
        await replica.Gate.WaitAsync();
        try
        {
            if (replica.State != ReplicaState.Subscribed || Network.IsReplicaHeld(folded))
            {
                return;
            }
            lock (replica.Apply)
            {
                replica.State = ReplicaState.None;
            }
            await ChannelGrain(folded).UnsubscribeAsync(_node);
        }
        catch (Exception ex)
        {
            LogUnsubscribeFailed(logger, ex, folded);
        }
        finally
        {
            replica.Gate.Release();
        }
    }

    /// <summary>
    /// A node died: its users leave every channel here, local members seeing a QUIT with a
    /// netsplit reason ("this-node dead-node"); then every channel this node holds is subscribed
    /// again where its grain was lost with the dead node. Returns how many users were removed.
    /// </summary>
    public async Task<int> NodeDiedAsync(string node, string name, CancellationToken cancellationToken = default)
    {
        if (_network is null)
        {
            return 0;
        }
        lock (_gate)
        {
            _deadNodes.Add(node);
        }
        var removed = _network.RemoveNodeUsers(node, $"{_network.ServerName} {name}");
        await Parallel.ForEachAsync(_network.HeldReplicas(), new ParallelOptions { MaxDegreeOfParallelism = ResubscribeParallelism, CancellationToken = cancellationToken },
            async (channel, ct) =>
            {
                try
                {
                    await EnsureSubscribedAsync(Network.CaseMapping.Fold(channel), channel, resume: true, cancellationToken: ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogResubscribeFailed(logger, ex, channel);
                }
            });
        return removed;
    }

    [LoggerMessage(EventId = 9022, Level = LogLevel.Information, Message = "channel {Channel}: its grain was activated again; numbers start again (first: {Seq})")]
    private static partial void LogNewEpoch(ILogger logger, string channel, long seq);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Warning, Message = "a {Op} to {Channel} was not sequenced: its grain did not take it after three subscriptions")]
    private static partial void LogCommandLost(ILogger logger, string op, string channel);

    [LoggerMessage(EventId = 9007, Level = LogLevel.Warning, Message = "sending {Nick}'s {Op} to its channels' grains failed")]
    private static partial void LogUserEventFailed(ILogger logger, Exception ex, string op, string nick);

    [LoggerMessage(EventId = 9008, Level = LogLevel.Warning, Message = "unsubscribing from {Channel} failed")]
    private static partial void LogUnsubscribeFailed(ILogger logger, Exception ex, string channel);

    [LoggerMessage(EventId = 9009, Level = LogLevel.Warning, Message = "subscribing again to {Channel} after a node's death failed")]
    private static partial void LogResubscribeFailed(ILogger logger, Exception ex, string channel);
}
