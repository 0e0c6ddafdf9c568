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

    /// <summary>
    /// Sends a local client's command to the channel's grain and returns once this node applied it
    /// (a message: <see cref="AnsweredAtApply"/>) or once every node has it (a state change), or it
    /// failed. Commands of one channel queue on this node while a call of that
    /// channel is on its way (<see cref="SubmitQueue"/>); the next call takes all of them as one
    /// batch (<see cref="IChannelGrain.PublishBatchAsync"/>), so a busy channel pays the chain of
    /// grain calls per batch, not per message. The queue keeps the order commands arrived in, and
    /// holds at most one command per local connection (a connection's handler waits for its
    /// command), so it is bounded by the node's connections.
    /// </summary>
    public async ValueTask SubmitChannelCommandAsync(ChannelCommand command, CancellationToken cancellationToken = default)
    {
        var folded = Network.CaseMapping.Fold(command.Channel);
        Task events;
        Task? before;
        lock (_gate)
        {
            events = _userEvents;
            // The actor's message to another channel still on its way to some node: this command
            // must not reach a node before it (to the same channel, the grain keeps the order).
            before = _fanOuts.TryGetValue((command.Actor.Node, command.Actor.UserId), out var f) && f.Channel != folded ? f.Done : null;
        }
        await events;
        if (before is not null)
        {
            await before;
        }
        var submission = new Submission(command, new ChannelEvent(command.Op.ToString(), _node, [], ChannelCommandWire.From(command)));
        SubmitQueue queue;
        bool lead;
        lock (_gate)
        {
            if (!_submitQueues.TryGetValue(folded, out queue!))
            {
                _submitQueues[folded] = queue = new SubmitQueue();
            }
            queue.Waiting.Add(submission);
            lead = !queue.Publishing;
            queue.Publishing = true;
            if (AnsweredAtApply(command.Op))
            {
                _answerAtApply[command.Id] = submission;
                _fanOuts[(command.Actor.Node, command.Actor.UserId)] = (folded, submission.FannedOut.Task);
            }
        }
        if (lead)
        {
            // Runs until the queue is empty; this handler waits only for its own command.
            _ = PublishQueuedAsync(folded, command.Channel, queue);
        }
        await submission.Done.Task;
    }

    /// <summary>One channel's commands waiting on this node for the channel's grain (under <see cref="_gate"/>).</summary>
    private sealed class SubmitQueue
    {
        public List<Submission> Waiting { get; } = [];

        /// <summary>A call of this channel is on its way (or about to be): newcomers wait for the next batch.</summary>
        public bool Publishing { get; set; }
    }

    /// <summary>
    /// A command in a <see cref="SubmitQueue"/>. <see cref="Done"/> (its handler goes on) completes
    /// when its batch was published or failed, or for a message as soon as this node applied it;
    /// <see cref="FannedOut"/> when its batch was published or failed.
    /// </summary>
    private sealed class Submission(ChannelCommand command, ChannelEvent e)
    {
        public ChannelCommand Command { get; } = command;

        public ChannelEvent Event { get; } = e;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource FannedOut { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Dictionary<string, SubmitQueue> _submitQueues = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether a command's handler goes on once this node applied it, before the other nodes have
    /// it: messages, which change no channel state (so no reply on another node can disagree with
    /// this one's). The client's next message to the channel then queues behind it here, so a
    /// busy channel's batches fill while the grain is still fanning out the last one. State
    /// changes (JOIN, MODE, KICK…) still return once every node has them.
    /// </summary>
    private static bool AnsweredAtApply(ChannelOp op) => op is ChannelOp.Message or ChannelOp.Multiline;

    /// <summary>Messages of local clients on their way (command id → submission), answered when applied here.</summary>
    private readonly Dictionary<long, Submission> _answerAtApply = [];

    /// <summary>
    /// Each local user's last message still being fanned out (user id → its channel and
    /// completion): the user's next command elsewhere, its private messages and its QUIT, NICK or
    /// AWAY wait for it, so nothing the user does later reaches another node before it (one
    /// user's messages arrive in the order sent, ARCHITECTURE.md rule 4). At most one per user,
    /// keyed as commands name the user (<see cref="MemberInfo"/>'s node and id: a user standing
    /// for its account's primary on another node is named by the primary's).
    /// </summary>
    private readonly Dictionary<(string Node, long UserId), (string Channel, Task Done)> _fanOuts = [];

    /// <summary>Completes when the local user's last channel message has reached every node (or failed).</summary>
    private Task FannedOut(MemberInfo user)
    {
        lock (_gate)
        {
            return _fanOuts.TryGetValue((user.Node, user.UserId), out var f) ? f.Done : Task.CompletedTask;
        }
    }

    /// <summary>A message of this node was applied here (or failed to be): its handler goes on (under the replica's Apply lock).</summary>
    private void AnswerAtApply(long commandId)
    {
        Submission? s;
        lock (_gate)
        {
            _answerAtApply.Remove(commandId, out s);
        }
        s?.Done.TrySetResult();
    }

    /// <summary>For tests: the size of each batch this node publishes, per channel (folded).</summary>
    internal Action<string, int>? BatchPublishing { get; set; }

    /// <summary>Publishes a channel's queued commands, a batch per call, until none waits.</summary>
    private async Task PublishQueuedAsync(string folded, string name, SubmitQueue queue)
    {
        while (true)
        {
            Submission[] batch;
            lock (_gate)
            {
                if (queue.Waiting.Count == 0)
                {
                    queue.Publishing = false;
                    _submitQueues.Remove(folded);
                    return;
                }
                var n = Math.Min(queue.Waiting.Count, Grains.ChannelGrain.MaxBatch);
                batch = [.. queue.Waiting.GetRange(0, n)];
                queue.Waiting.RemoveRange(0, n);
            }
            try
            {
                BatchPublishing?.Invoke(folded, batch.Length);
                await PublishBatchAsync(folded, name, batch);
                foreach (var s in batch)
                {
                    s.Done.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                // Not an Orleans failure (those are answered as "did not happen"): each handler gets it.
                foreach (var s in batch)
                {
                    s.Done.TrySetException(ex);
                }
            }
            finally
            {
                lock (_gate)
                {
                    foreach (var s in batch)
                    {
                        _answerAtApply.Remove(s.Command.Id);
                        var actor = (s.Command.Actor.Node, s.Command.Actor.UserId);
                        if (_fanOuts.TryGetValue(actor, out var f) && f.Done == s.FannedOut.Task)
                        {
                            _fanOuts.Remove(actor);
                        }
                    }
                }
                foreach (var s in batch)
                {
                    s.FannedOut.TrySetResult();
                }
            }
        }
    }

    /// <summary>
    /// One batch through the channel's grain, subscribing first if needed (and again when the grain
    /// does not know this node, three times at most). A command not applied here when the grain's
    /// node died with the batch on its way is sent again; one the origin applied is not.
    /// Orleans failures are logged: those commands did not happen, and their handlers answer so.
    /// </summary>
    private async Task PublishBatchAsync(string folded, string name, Submission[] batch)
    {
        var op = batch[0].Command.Op.ToString();
        try
        {
            var lostGrains = 0;
            for (var attempt = 0; attempt < 3; attempt++)
            {
                await EnsureSubscribedAsync(folded, name, resume: attempt > 0);
                try
                {
                    if (await ChannelGrain(folded).PublishBatchAsync([.. batch.Select(s => s.Event)]) >= 0)
                    {
                        // If a subscription of the channel (a resume after a death) was on its way
                        // when the grain handed this node the batch, the batch waits with it and is
                        // applied once it is installed: the handlers' pending commands (their
                        // clients' users and answers) must still be there then.
                        await ReplicaOf(folded).Installed.Task;
                        return;
                    }
                    // The grain does not know this node: it dropped it, or came back without it.
                }
                catch (SiloUnavailableException) when (++lostGrains <= MaxGrainLosses && batch.Any(s => !Network.IsCommandApplied(s.Command.Id)))
                {
                    // The grain's node died with the batch on its way (the call fails once the
                    // death is declared; the next call activates the grain on another node, which
                    // knows the subscribed nodes). What is not applied here was not sequenced: sent again.
                    batch = [.. batch.Where(s => !Network.IsCommandApplied(s.Command.Id))];
                    LogCommandRetried(logger, op, name);
                    attempt--;
                }
            }
            LogCommandLost(logger, op, name);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // The commands did not happen; the clients get the handlers' answer for that.
            LogCommandFailed(logger, ex, op, name);
        }
    }

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
    private async Task EnsureSubscribedAsync(string folded, string name, bool resume, bool again = false)
    {
        var replica = ReplicaOf(folded);
        await replica.Gate.WaitAsync();
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
    /// Events <paramref name="firstSeq"/>… of a channel, from its grain (the node observer): one
    /// command or a batch of one origin's, applied in order in one pass under the replica's lock.
    /// </summary>
    private async Task OnChannelCommandsAsync(string folded, long epoch, long firstSeq, ChannelEvent[] events)
    {
        var replica = FindReplica(folded);
        if (replica is null)
        {
            return;
        }
        lock (replica.Apply)
        {
            switch (replica.State)
            {
                case ReplicaState.Subscribing:
                    for (var i = 0; i < events.Length; i++)
                    {
                        replica.Early!.Add((epoch, firstSeq + i, events[i]));
                    }
                    return;
                case ReplicaState.Subscribed:
                    for (var i = 0; i < events.Length; i++)
                    {
                        ReceiveLocked(replica, folded, epoch, firstSeq + i, events[i]);
                    }
                    break;
                default:
                    return;
            }
        }
        if (events[0].Origin == _node && Array.Exists(events, e => e.Command!.OriginApplies))
        {
            // The origin stores the commands' lines (one group commit for the batch); the grain
            // hands them to the other nodes only after this returns: stored before anyone
            // receives them (ARCHITECTURE.md rule 10).
            await Network.Deliveries.WhenDeliveredAsync();
        }
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
        if (dead)
        {
            // A dead node's last commands, sequenced after this node removed its users: dropped.
            return;
        }
        var command = e.Command!.ToCommand();
        try
        {
            Applying?.Invoke(command);
            Network.ApplyChannelCommand(command);
        }
        catch (Exception ex)
        {
            // One command that cannot be applied (a bug, or a malformed command) fails alone: the
            // others of its batch are applied, its number is used, and at its origin its handler
            // finds it not applied and answers its own client only.
            ApplyFailures++;
            LogApplyFailed(logger, ex, command.Op.ToString(), folded, seq);
        }
        if (e.Origin == _node)
        {
            AnswerAtApply(command.Id);
        }
    }

    /// <summary>Channel commands whose apply threw here (each logged), since the start.</summary>
    public long ApplyFailures { get; private set; }

    /// <summary>For tests: called before a channel command is applied here; what it throws fails that command only.</summary>
    internal Action<ChannelCommand>? Applying { get; set; }

    [LoggerMessage(EventId = 9026, Level = LogLevel.Error, Message = "applying a {Op} to {Channel} (event {Seq}) failed; the channel's next events are applied")]
    private static partial void LogApplyFailed(ILogger logger, Exception ex, string op, string channel, long seq);

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
            // And after the user's last message reached every node (a QUIT through another channel must not overtake it).
            await FannedOut(commands[0].Actor);
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
        ForgetWatchesOf(node);
        await RefreshAccountsAsync(node);
        await Parallel.ForEachAsync(_network.HeldReplicas(), new ParallelOptions { MaxDegreeOfParallelism = ResubscribeParallelism, CancellationToken = cancellationToken },
            async (channel, ct) =>
            {
                try
                {
                    await EnsureSubscribedAsync(Network.CaseMapping.Fold(channel), channel, resume: true);
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
