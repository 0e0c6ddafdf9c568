using Parley.Server.Network;

namespace Parley.Server.Tests.Cluster;

/// <summary>
/// A cluster of one node, for the Network's cluster paths without Orleans: channel commands go
/// "through the grain" by being claimed and applied here at once, as the real link does when the
/// channel's grain hands the node its own command; nobody else is on the network. Its
/// <see cref="Mode"/> makes submits fail the ways the real link's can.
/// </summary>
/// <remarks>Thread-safe enough for tests: the mode is read once per submit.</remarks>
public sealed class FakeNetworkLink : INetworkLink
{
    private IrcNetwork? _network;

    public enum SubmitMode
    {
        /// <summary>Sequenced and applied at once.</summary>
        Works,

        /// <summary>Completes without applying (the grain refused it, or it was lost after its retries).</summary>
        Refused,

        /// <summary>Throws (a grain call failed).</summary>
        Throws,

        /// <summary>Never answers until the network gives up (cancels); the command is kept in <see cref="Stuck"/>.</summary>
        Hangs,
    }

    public volatile SubmitMode Mode;

    /// <summary>Commands whose submit hung, in order: the grain may still hand them over (<see cref="DeliverLate"/>).</summary>
    public List<ChannelCommand> Stuck { get; } = [];

    /// <summary>Completed when a submit starts hanging.</summary>
    public TaskCompletionSource Hanging { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string NodeId => "node-under-test";

    public IReadOnlyList<string> OtherNodes => [];

    private IrcNetwork Network => _network ?? throw new InvalidOperationException("not attached");

    public void Attach(IrcNetwork network) => _network = network;

    public async ValueTask SubmitChannelCommandAsync(ChannelCommand command, CancellationToken cancellationToken = default)
    {
        switch (Mode)
        {
            case SubmitMode.Works:
                // The grain hands the origin its command: subscribed first, claimed, applied.
                if (!Network.IsReplicaHeld(command.Channel))
                {
                    Network.InstallReplica(command.Channel, null, fromPeer: false);
                }
                DeliverLate(command);
                return;
            case SubmitMode.Refused:
                return;
            case SubmitMode.Throws:
                throw new TimeoutException("the channel's grain did not answer");
            default:
                lock (Stuck)
                {
                    Stuck.Add(command);
                }
                Hanging.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return;
        }
    }

    /// <summary>The grain hands this node its own command now: whether the node took it (false: refused, so the grain gives it to nobody).</summary>
    public bool DeliverLate(ChannelCommand command)
    {
        if (!Network.ClaimCommand(command.Id))
        {
            return false;
        }
        Network.ApplyChannelCommand(command);
        return true;
    }

    public ValueTask<bool> ClaimNickAsync(string nick, long userId, string? account, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

    public void NickTaken(string nick, long userId, string? account)
    {
    }

    public void ReleaseNick(string nick, long userId)
    {
    }

    public ValueTask<bool> IsHeldByAccountElsewhereAsync(string nick, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

    public ValueTask<bool> AttachNickAsync(string nick, long userId, string account, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

    public ValueTask RenameSessionsElsewhereAsync(string oldNick, string newNick, string account, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask DeliverToSessionsElsewhereAsync(string nick, IReadOnlyList<OutboundMessage> lines, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<RemoteWhois?> WhoisAsync(string nick, bool viewerIsOperator, CancellationToken cancellationToken = default) => ValueTask.FromResult<RemoteWhois?>(null);

    public ValueTask<IReadOnlyList<string>> OnlineElsewhereAsync(IReadOnlyList<string> nicks, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<IReadOnlyList<string>>([]);

    public ValueTask<RemoteCounts> CountsElsewhereAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(new RemoteCounts(0, 0, 0, 0));

    public ValueTask<RemoteRecipient?> SendToUserAsync(string nick, IReadOnlyList<OutboundMessage> lines, string fromNick, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<RemoteRecipient?>(null);

    public void UserEventApplied(IReadOnlyList<ChannelCommand> commands)
    {
    }

    public ValueTask<ChannelSnapshot?> QueryChannelAsync(string channel, CancellationToken cancellationToken = default) => ValueTask.FromResult<ChannelSnapshot?>(null);

    public ValueTask<IReadOnlyList<ChannelSummary>> ChannelsElsewhereAsync(CancellationToken cancellationToken = default)
        => ValueTask.FromResult<IReadOnlyList<ChannelSummary>>([]);

    public ValueTask<MemberInfo?> FindUserElsewhereAsync(string nick, CancellationToken cancellationToken = default) => ValueTask.FromResult<MemberInfo?>(null);

    public ValueTask DeliverInviteAsync(MemberInfo target, string channel, OutboundMessage line, bool granted, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public void ReplicaDropped(string channel)
    {
    }

    public ValueTask<(string Node, long UserId)?> JoinAccountSessionsAsync(long userId, string nick, string account, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<(string Node, long UserId)?>(null);

    public ValueTask ShareAccountChannelsAsync(long userId, string primaryNode, long primaryId, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask HoldChannelElsewhereAsync(long userId, string channel, bool hold, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public void AccountSessionEnded(string account, long userId)
    {
    }

    public Task WatchNicksAsync(IReadOnlyList<string> nicks, bool watching) => Task.CompletedTask;

    public void MonitorChanged(string folded, string nick, string? prefix)
    {
    }
}
