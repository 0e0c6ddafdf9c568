using Parley.Server.Connections;
using Parley.Server.Hosting;
using Parley.Server.Network;

namespace Parley.Server.Sessions;

/// <summary>
/// One client's state: registration, capabilities, the reply buffer of the command in
/// progress, and its delivery sink (the outbox).
/// </summary>
/// <remarks>
/// Threading: the connection's read loop owns the session and is the only writer of its
/// fields, with three exceptions that other threads use: <see cref="Deliver"/> (any thread,
/// through the outbox), <see cref="Disconnect"/> (any thread, idempotent) and
/// <see cref="CheckTimeouts"/> (the sweeper), which read the activity stamps written with
/// <see cref="Volatile"/> and only ever call Disconnect or queue a PING.
/// </remarks>
public sealed class Session : IClientSink
{
    private readonly Action _abortRead;
    private LazySignal _closed;
    private long _caps;
    // Monotonic timestamps (TimeProvider.GetTimestamp), never wall-clock time: a clock that is
    // set back or jumps forward must not time anyone out.
    private readonly long _connectedStamp;
    private long _lastReceivedStamp;
    private long _pingSentStamp;
    private int _pingOutstanding;
    private int _closing;
    private int _pendingCommands;
    // The read loop's own: a command is running; its outbox hold has been sequenced.
    private bool _inCommand;
    private bool _holding;

    public Session(ServerContext server, Outbox outbox, string host, Action abortRead, TransportSecurity? security = null)
    {
        Server = server;
        Outbox = outbox;
        _abortRead = abortRead;
        User = server.Network.Connect(this, server.Cloak?.Apply(host) ?? host, host);
        User.IsSecure = security is not null;
        User.CertFingerprint = security?.CertFingerprint;
        Id = User.Id;
        _connectedStamp = server.Time.GetTimestamp();
        _lastReceivedStamp = _connectedStamp;
        Flood = new FloodControl(server.Options.Flood, server.Time);
        Replies = new ReplyBuffer { Owner = this };
    }

    public ServerContext Server { get; }

    /// <summary>The connection's number (its first user's id): stable when it attaches to another user (multiclient).</summary>
    public long Id { get; }
    public IrcNetwork Network => Server.Network;
    public Outbox Outbox { get; }
    /// <summary>
    /// The user this connection is: its own, or with multiclient the user it attached to at
    /// registration (<see cref="AttachTo"/>). Written by the read loop only.
    /// </summary>
    public IrcUser User { get; private set; }
    public FloodControl Flood { get; }

    /// <summary>The nick-change throttle (with flood control; operators are exempt).</summary>
    /// <remarks>Made at the first nick change: an idle connection carries none (read loop only).</remarks>
    public TokenBucket NickChanges => _nickChanges ??= new TokenBucket(
        Server.Options.Flood.NickChangeBurst, Server.Options.Flood.NickChangesPerMinute / 60, Server.Time);

    /// <summary>The join throttle (with flood control; operators are exempt).</summary>
    public TokenBucket Joins => _joins ??= new TokenBucket(
        Server.Options.Flood.JoinBurst, Server.Options.Flood.JoinsPerMinute / 60, Server.Time);

    /// <summary>The throttle on changes to one's own metadata (with flood control; operators are exempt).</summary>
    /// <remarks>Each change reaches every subscriber in the user's channels, like a nick change.</remarks>
    public TokenBucket MetadataChanges => _metadataChanges ??= new TokenBucket(
        Server.Options.Flood.MetadataChangeBurst, Server.Options.Flood.MetadataChangesPerMinute / 60, Server.Time);

    private TokenBucket? _nickChanges;
    private TokenBucket? _joins;
    private TokenBucket? _metadataChanges;

    /// <summary>Whether the nick-change and join throttles apply to this client now.</summary>
    public bool Throttled => Flood.Enabled && IsRegistered && !User.IsOperator;

    /// <summary>The replies of the command being handled.</summary>
    public ReplyBuffer Replies { get; }

    /// <summary>The label of the command being handled (labeled-response), or null.</summary>
    public string? Label { get; set; }

    public Capability Caps => (Capability)Volatile.Read(ref _caps);

    public bool Has(Capability cap) => (Caps & cap) == cap;

    public void SetCaps(Capability caps) => Volatile.Write(ref _caps, (long)caps);

    /// <summary>302 after CAP LS 302 (values and multi-line LS); 0 when CAP was never used.</summary>
    public int CapVersion { get; set; }

    /// <summary>CAP LS or REQ before registration suspends it until CAP END.</summary>
    public bool CapNegotiating { get; set; }

    public string? PendingPassword { get; set; }
    public string? PendingUsername { get; set; }
    public string? PendingRealname { get; set; }

    /// <summary>The nick and account last checked against registered accounts (nick ownership).</summary>
    internal (string Nick, string? Account) OwnershipChecked { get; set; } = ("*", null);

    /// <summary>Before registration: the last nick asked for with NICK and refused as in use (for REGISTER).</summary>
    public string? RequestedNick { get; set; }

    /// <summary>
    /// Before registration: a nick asked for that a logged-in user holds; registration attaches
    /// to that user if this connection is logged in to the same account by then (multiclient),
    /// else refuses the nick (433).
    /// </summary>
    public string? AttachNick { get; set; }

    /// <summary>Attached to a user at registration: its channels are shown once the command ends (Multiclient).</summary>
    internal List<AttachedChannel>? AttachReplay { get; set; }

    /// <summary>Attached at registration to its account's nick held on other nodes: the account's primary there, whose channels it is shown (Multiclient).</summary>
    internal (string Node, long UserId)? AttachPrimary { get; set; }

    /// <summary>Attached to an always-on user that had no connection: what it missed, replayed with its channels (<see cref="Commands.AutoreplayMissed"/>).</summary>
    internal MissedWindow? AttachMissed { get; set; }

    /// <summary>When the client last sent a line (wall clock, derived from the monotonic stamp the sweeper uses).</summary>
    public DateTimeOffset LastReceivedAt => Server.Time.GetUtcNow() - Server.Time.GetElapsedTime(Volatile.Read(ref _lastReceivedStamp));
    public bool IsRegistered => User.IsRegistered;

    /// <summary>What <see cref="IrcNetwork"/> and numerics call this client: its nick, or "*" before NICK.</summary>
    public string Nick => User.Nick;

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <summary>Completes when the session has ended and its outbox has drained.</summary>
    public Task Closed => _closed.Task;

    /// <summary>An open draft/multiline batch, or null.</summary>
    public MultilineBatch? OpenBatch { get; set; }

    /// <summary>A login happened: messages kept for the account go out once the client is registered (OfflineDelivery).</summary>
    public bool OfflineDeliveryDue { get; set; }

    /// <summary>A login happened: whether the user is always-on is settled once the client is registered (Multiclient).</summary>
    public bool AlwaysOnDue { get; set; }

    /// <summary>This connection subscribed to a metadata key once (METADATA SUB): a JOIN asks Network for values.</summary>
    public bool HasMetadataSubscriptions { get; set; }

    /// <summary>The SASL exchange in progress (AUTHENTICATE), or null.</summary>
    public SaslExchange? Sasl { get; set; }

    // --- IClientSink ------------------------------------------------------------------------

    public void Deliver(OutboundMessage message) => Outbox.Enqueue(message.GetBytes(Caps));

    /// <summary>Ends the session: QUIT to others, ERROR to the client, then the socket closes.</summary>
    public void Disconnect(string reason) => Close(reason, reason);

    // --- replies ----------------------------------------------------------------------------

    /// <summary>A numeric reply to this client: ":server CODE nick params…".</summary>
    public void Numeric(string code, params string[] parameters)
    {
        var all = new string[parameters.Length + 1];
        all[0] = Nick;
        parameters.CopyTo(all, 1);
        Replies.Add(Network.FromServer(code, all));
    }

    /// <summary>A message from the server to this client (NOTICE, FAIL, PONG, …).</summary>
    public void Reply(string command, params string[] parameters)
        => Replies.Add(Network.FromServer(command, parameters));

    public void Reply(OutboundMessage message, string? batch = null) => Replies.Add(message, batch);

    /// <summary>
    /// A standard reply (FAIL/WARN/NOTE). https://ircv3.net/specs/extensions/standard-replies
    /// </summary>
    public void StandardReply(string kind, string command, string code, params string[] contextAndDescription)
    {
        var all = new string[contextAndDescription.Length + 2];
        all[0] = command;
        all[1] = code;
        contextAndDescription.CopyTo(all, 2);
        Replies.Add(Network.FromServer(kind, all));
    }

    public void Fail(string command, string code, params string[] contextAndDescription)
        => StandardReply("FAIL", command, code, contextAndDescription);

    /// <summary>
    /// Starts a command. Nothing is held yet: the outbox starts holding back others' lines at the
    /// command's first reply (<see cref="HoldForCommand"/>), not here.
    /// </summary>
    public void BeginCommand(string? label)
    {
        Label = label;
        Replies.Clear();
        _inCommand = true;
        _holding = false;
    }

    /// <summary>
    /// Called at the command's first reply (the first line the command puts in
    /// <see cref="Replies"/>, often its own echo appended by Network under its lock): deliveries
    /// sequenced from now on wait until the command's replies are queued. The hold is sequenced
    /// in Network's delivery pipeline at that point, so what was sequenced before it (and may
    /// still wait for its history commit) goes out before the replies, and what comes after
    /// follows them. A channel message sequenced just before this client's PART therefore
    /// reaches it before the PART's echo, as it reaches every other member; had the hold been
    /// taken when the command started, the message would come after the PART.
    /// </summary>
    internal void HoldForCommand()
    {
        if (!_inCommand || _holding)
        {
            return;
        }
        _holding = true;
        Network.Deliveries.Run(static o => ((Outbox)o!).Hold(), Outbox);
    }

    /// <summary>
    /// Ends a command without waiting for it: its replies (echoes included) are encoded now and
    /// sequenced in Network's delivery pipeline behind everything the command sequenced, so they
    /// reach the client only after the command's own messages are stored (ARCHITECTURE.md rule
    /// 10) and in command order; then the outbox releases what others sent meanwhile. The read
    /// loop goes on to the next command at once, so a client's pipelined commands join the same
    /// group commit; <see cref="PendingCommands"/> bounds how many wait.
    /// </summary>
    public void EndCommand()
    {
        List<byte[]>? lines = null;
        if (Replies.Count > 0 || Label is not null)
        {
            lines = new List<byte[]>(Replies.Count);
            foreach (var bytes in Replies.Encode(Caps, Label, Server.Name, Server.NewBatchId))
            {
                lines.Add(bytes);
            }
        }
        Replies.Clear();
        Label = null;
        _inCommand = false;
        _holding = false;
        Interlocked.Increment(ref _pendingCommands);
        if (lines is null || lines.Count == 0)
        {
            Network.Deliveries.Run(static s => ((Session)s!).ReleaseCommand(), this);
            return;
        }
        Network.Deliveries.Run(() =>
        {
            foreach (var line in lines)
            {
                Outbox.EnqueueOwn(line);
            }
            ReleaseCommand();
        });
    }

    /// <summary>
    /// Commands whose replies still wait in the delivery pipeline (for a group commit). While it is
    /// above zero, what this client's earlier commands stored may not be in history yet.
    /// </summary>
    public int PendingCommands => Volatile.Read(ref _pendingCommands);

    // Run in the pipeline, in turn: the command's replies are queued; lines held back follow.
    private void ReleaseCommand()
    {
        Outbox.Release();
        Interlocked.Decrement(ref _pendingCommands);
    }

    /// <summary>Sends one line now, outside any command (PING from the sweeper).</summary>
    public void SendNow(OutboundMessage message) => Outbox.EnqueueOwn(message.GetBytes(Caps));

    // --- lifetime ---------------------------------------------------------------------------

    /// <summary>Notes that a line arrived (resets the ping timer).</summary>
    public void Touch()
    {
        Volatile.Write(ref _lastReceivedStamp, Server.Time.GetTimestamp());
        Volatile.Write(ref _pingOutstanding, 0);
    }

    /// <summary>
    /// How long before an orderly close (FIN) the client is taken to have read everything: a
    /// socket closed with unread input resets instead (RST), so a FIN means the client read
    /// all that had arrived; lines still on their way (about a round trip) may not have.
    /// </summary>
    internal static readonly TimeSpan OrderlyCloseMargin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The client closed the connection in order (end of input, no QUIT): it was there and
    /// reading until shortly before, so what an always-on user missed is counted from then
    /// (<see cref="OrderlyCloseMargin"/>), not from its last line, which may be minutes older.
    /// </summary>
    internal void PeerClosedInOrder()
    {
        var seen = Server.Time.GetTimestamp() - (long)(OrderlyCloseMargin.TotalSeconds * Server.Time.TimestampFrequency);
        if (seen > Volatile.Read(ref _lastReceivedStamp))
        {
            Volatile.Write(ref _lastReceivedStamp, seen);
        }
    }

    /// <summary>
    /// Ends the session once: others see QUIT with <paramref name="quitReason"/>, the client
    /// gets ERROR with <paramref name="errorReason"/> after everything queued, the read loop
    /// stops. Safe from any thread.
    /// </summary>
    public void Close(string quitReason, string errorReason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }
        Network.Disconnect(User, quitReason, this, LastReceivedAt);
        var error = new OutboundMessage(null, "ERROR", $"Closing Link: {User.RealHost} ({errorReason})").GetBytes(Capability.None);
        // In turn, after the replies of commands still waiting for their commit (a QUIT right
        // after a PRIVMSG still gets the echo first).
        Network.Deliveries.Run(() => Outbox.Close(error));
        _abortRead();
    }

    /// <summary>
    /// Makes this connection one more session of <paramref name="user"/> (multiclient), once
    /// Network has moved its delivery there (<see cref="IrcNetwork.Attach"/>).
    /// </summary>
    internal void AttachTo(IrcUser user) => User = user;

    /// <summary>Called by the connection when it is done: completes <see cref="Closed"/>.</summary>
    internal void MarkClosed() => _closed.Set();

    /// <summary>Registration timeout and ping keepalive; called by the sweeper.</summary>
    internal void CheckTimeouts(long now, LimitOptions limits)
    {
        if (IsClosing)
        {
            return;
        }
        var time = Server.Time;
        if (!IsRegistered)
        {
            if (time.GetElapsedTime(_connectedStamp, now) >= TimeSpan.FromSeconds(limits.RegistrationTimeoutSeconds))
            {
                Close("Registration timed out", "Registration timed out");
            }
            return;
        }
        var idle = time.GetElapsedTime(Volatile.Read(ref _lastReceivedStamp), now);
        if (Volatile.Read(ref _pingOutstanding) != 0)
        {
            if (time.GetElapsedTime(Volatile.Read(ref _pingSentStamp), now) >= TimeSpan.FromSeconds(limits.PingTimeoutSeconds))
            {
                var reason = $"Ping timeout: {(int)idle.TotalSeconds} seconds";
                Close(reason, reason);
            }
            return;
        }
        if (idle >= TimeSpan.FromSeconds(limits.PingIntervalSeconds))
        {
            Volatile.Write(ref _pingSentStamp, now);
            Volatile.Write(ref _pingOutstanding, 1);
            SendNow(new OutboundMessage(null, "PING", Server.Name));
        }
    }
}
