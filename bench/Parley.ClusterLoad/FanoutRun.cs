using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace Parley.ClusterLoad;

/// <summary>
/// One fan-out run: every client joins one channel; senders 0..S-1 (spread over the nodes, since
/// client i is on port i mod P) send windowed PRIVMSGs; every member checks each sender's order and
/// records each delivery's latency, split by whether sender and receiver are on the same node.
/// Phases, each bounded: connect and register, join, warm up, measure, drain (every member has every
/// message sent, or the bound passes), leave.
/// Threading: the receive loops call <see cref="OnPrivmsg"/> and <see cref="OnReadDone"/>
/// concurrently; a sender's lines are taken and written under its own lock, so they reach its
/// connection in sequence order.
/// </summary>
internal sealed class FanoutRun : IClientOwner
{
    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(20);

    private readonly LoadOptions _o;
    private readonly LoadClient[] _clients;
    private readonly SenderWindow[] _windows;
    private readonly Lock[] _senderLocks;
    private readonly int[] _ackClient;
    private readonly SequenceTracker _order;
    private readonly byte[] _privmsgPrefix;
    private readonly ThreadLocal<Shard> _shards = new(() => new Shard(), trackAllValues: true);
    private readonly Dictionary<string, long> _lostReasons = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _running;
    private volatile bool _measuring;
    private volatile bool _draining;
    private long _expectedDeliveries;
    private long _foreign;
    private long _lost;

    [ThreadStatic]
    private static List<int>? t_opened;

    /// <summary>Latencies recorded by one receiving thread: no sharing on the hot path.</summary>
    private sealed class Shard
    {
        public LatencyHistogram SameNode { get; } = new();

        public LatencyHistogram CrossNode { get; } = new();
    }

    public FanoutRun(LoadOptions options)
    {
        _o = options;
        var prefix = Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next()))[..5].ToLowerInvariant();
        _clients = new LoadClient[options.Clients];
        for (var i = 0; i < _clients.Length; i++)
        {
            _clients[i] = new LoadClient(i, options.Ports[NodeOf(i, options.Ports.Count)], $"c{prefix}x{i}", this);
        }
        _windows = new SenderWindow[options.Senders];
        _senderLocks = new Lock[options.Senders];
        for (var s = 0; s < options.Senders; s++)
        {
            _windows[s] = new SenderWindow(options.Window, options.Clients - 1, options.AckAll);
            _senderLocks[s] = new Lock();
        }
        _ackClient = options.AckAll ? [.. Enumerable.Repeat(-1, options.Senders)] : DesignatedReceivers(options.Clients, options.Senders, options.Ports.Count);
        _order = new SequenceTracker(options.Clients, options.Senders);
        _privmsgPrefix = Encoding.ASCII.GetBytes($"PRIVMSG {options.Channel} :");
    }

    /// <summary>The node (port index) of client <paramref name="client"/>: round-robin.</summary>
    internal static int NodeOf(int client, int nodes) => client % nodes;

    /// <summary>
    /// For each sender s (client s), the client that acknowledges its messages: one that never
    /// sends, on the next node after the sender's (so every acknowledgement crosses nodes when there
    /// are several), the senders of one node spread over that node's receivers.
    /// </summary>
    internal static int[] DesignatedReceivers(int clients, int senders, int nodes)
    {
        var byNode = new List<int>[nodes];
        for (var n = 0; n < nodes; n++)
        {
            byNode[n] = [];
        }
        for (var c = senders; c < clients; c++)
        {
            byNode[NodeOf(c, nodes)].Add(c);
        }
        var result = new int[senders];
        for (var s = 0; s < senders; s++)
        {
            var node = (NodeOf(s, nodes) + 1) % nodes;
            var candidates = byNode[node];
            result[s] = candidates[s / nodes % candidates.Count];
        }
        return result;
    }

    /// <summary>Runs every phase; returns the report's fields, or throws <see cref="SetupException"/>.</summary>
    public async Task<RunReport> RunAsync()
    {
        var setup = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(_o.Timeout));
        await ForEachBoundedAsync(async c =>
        {
            await c.ConnectAsync(deadline.Token);
            return await c.Registered.Task.WaitAsync(deadline.Token);
        }, "register", deadline.Token);
        Log($"{_clients.Length} registered over {_o.Ports.Count} port(s) in {setup.Elapsed.TotalSeconds:F1} s; joining {_o.Channel}");
        await ForEachBoundedAsync(c =>
        {
            c.Join(_o.Channel);
            return c.Joined.Task.WaitAsync(deadline.Token);
        }, "join", deadline.Token);
        var setupSeconds = setup.Elapsed.TotalSeconds;
        Log($"joined in {setupSeconds:F1} s; warm-up {_o.Warmup} s, then {_o.Seconds} s measured");

        var loadStart = ProcStat.LoadAverage();
        _running = true;
        for (var s = 0; s < _windows.Length; s++)
        {
            Pump(s);
        }
        await Task.Delay(TimeSpan.FromSeconds(_o.Warmup));

        var sent0 = TotalSent();
        var received0 = TotalReceived();
        var cpu0 = _o.Pids.Select(ProcStat.CpuSeconds).ToArray();
        var busy0 = ProcStat.MachineBusySeconds();
        var self0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var window = Stopwatch.StartNew();
        _measuring = true;
        await Task.Delay(TimeSpan.FromSeconds(_o.Seconds));
        _measuring = false;
        var elapsed = window.Elapsed.TotalSeconds;
        var sent1 = TotalSent();
        var received1 = TotalReceived();
        var cpu1 = _o.Pids.Select(ProcStat.CpuSeconds).ToArray();
        var busy1 = ProcStat.MachineBusySeconds();
        var self1 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var loadEnd = ProcStat.LoadAverage();

        // Drain: no more sends; wait until every member has every message sent (bounded).
        _running = false;
        foreach (var l in _senderLocks)
        {
            lock (l)
            {
                // A pump running now finishes its write first; every later one sees _running false.
            }
        }
        var sentTotal = _windows.Select(w => w.Sent).ToArray();
        Interlocked.Exchange(ref _expectedDeliveries, sentTotal.Sum() * (_clients.Length - 1));
        _draining = true;
        CheckDrained();
        var drainWatch = Stopwatch.StartNew();
        var drained = await Task.WhenAny(_drained.Task, Task.Delay(DrainBound)) == _drained.Task;
        var drainSeconds = drainWatch.Elapsed.TotalSeconds;
        var missing = _order.Missing(sentTotal, s => s);
        Log(drained ? $"drained in {drainSeconds:F2} s" : $"not drained after {DrainBound.TotalSeconds} s: {missing} deliveries missing");

        await Task.WhenAll(_clients.Select(c => c.LeaveAsync(TimeSpan.FromSeconds(5))));

        var same = new LatencyHistogram();
        var cross = new LatencyHistogram();
        foreach (var shard in _shards.Values)
        {
            same.Add(shard.SameNode);
            cross.Add(shard.CrossNode);
        }
        var all = new LatencyHistogram();
        all.Add(same);
        all.Add(cross);
        var serverCpu = _o.Pids.Select((pid, i) => new ServerCpu(pid, i < _o.Ports.Count ? _o.Ports[i] : 0,
            cpu0[i] is { } a && cpu1[i] is { } b ? b - a : double.NaN)).ToArray();
        Dictionary<string, long> reasons;
        lock (_lostReasons)
        {
            reasons = new Dictionary<string, long>(_lostReasons, StringComparer.Ordinal);
        }
        return new RunReport
        {
            Options = _o,
            SetupSeconds = setupSeconds,
            Seconds = elapsed,
            MessagesSent = sent1 - sent0,
            PrivmsgsReceived = received1 - received0,
            All = all,
            SameNode = same,
            CrossNode = cross,
            Gaps = _order.Gaps,
            OutOfOrder = _order.OutOfOrder,
            FirstAnomaly = _order.FirstAnomaly,
            MissingAfterDrain = missing,
            DrainSeconds = drainSeconds,
            Foreign = Interlocked.Read(ref _foreign),
            SendRefusals = _clients.Sum(c => Interlocked.Read(ref c.SendRefusals)),
            Disconnects = Interlocked.Read(ref _lost),
            DisconnectReasons = reasons,
            ServerCpu = serverCpu,
            LoadgenCpuSeconds = self1 - self0,
            MachineBusySeconds = busy1 - busy0,
            LoadAverageStart = loadStart,
            LoadAverageEnd = loadEnd,
        };
    }

    private async Task ForEachBoundedAsync(Func<LoadClient, Task<string?>> step, string what, CancellationToken deadline)
    {
        using var slots = new SemaphoreSlim(_o.ConnectConcurrency);
        var failures = new List<string>();
        var tasks = new List<Task>(_clients.Length);
        foreach (var c in _clients)
        {
            try
            {
                await slots.WaitAsync(deadline);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            tasks.Add(RunOneAsync(c));
        }
        await Task.WhenAll(tasks);
        if (failures.Count > 0 || tasks.Count < _clients.Length)
        {
            throw new SetupException($"{what}: {Math.Max(failures.Count, _clients.Length - tasks.Count)} of {_clients.Length} clients failed, e.g. {failures.FirstOrDefault() ?? "the setup deadline passed"}");
        }

        async Task RunOneAsync(LoadClient c)
        {
            string? failure;
            try
            {
                failure = await step(c);
            }
            catch (OperationCanceledException)
            {
                failure = $"no answer within --timeout {_o.Timeout} s";
            }
            finally
            {
                slots.Release();
            }
            if (failure is not null)
            {
                lock (failures)
                {
                    failures.Add($"client {c.Index} (port {c.Port}): {failure}");
                }
            }
        }
    }

    /// <summary>Fills sender <paramref name="s"/>'s window: every free slot's line in one send.</summary>
    private void Pump(int s)
    {
        lock (_senderLocks[s])
        {
            if (!_running)
            {
                return;
            }
            var (first, count) = _windows[s].Take();
            if (count == 0)
            {
                return;
            }
            var lineMax = _privmsgPrefix.Length + Math.Max(_o.Size, Payload.MaxPrefix) + 2;
            var buffer = ArrayPool<byte>.Shared.Rent(count * lineMax);
            try
            {
                var ticks = Stopwatch.GetTimestamp();
                var pos = 0;
                for (var i = 0; i < count; i++)
                {
                    _privmsgPrefix.CopyTo(buffer, pos);
                    pos += _privmsgPrefix.Length;
                    pos += Payload.Write(buffer.AsSpan(pos), s, first + i, ticks, _o.Size);
                    buffer[pos++] = (byte)'\r';
                    buffer[pos++] = (byte)'\n';
                }
                _clients[s].Send(buffer.AsSpan(0, pos));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    public void OnPrivmsg(LoadClient client, ReadOnlySpan<byte> text, long receivedTicks)
    {
        if (!Payload.TryParse(text, out var s, out var seq, out var sentTicks) || s >= _windows.Length)
        {
            Interlocked.Increment(ref _foreign);
            return;
        }
        _order.Observe(client.Index, s, seq);
        if (_measuring)
        {
            var shard = _shards.Value!;
            var ns = (long)((receivedTicks - sentTicks) * NanosecondsPerTick);
            (client.Port == _clients[s].Port ? shard.SameNode : shard.CrossNode).Record(ns);
        }
        var opened = _o.AckAll ? _windows[s].Delivered(seq) : _ackClient[s] == client.Index && _windows[s].AckUpTo(seq);
        if (opened)
        {
            (t_opened ??= []).Add(s);
        }
    }

    public void OnReadDone(LoadClient client)
    {
        var opened = t_opened;
        if (opened is { Count: > 0 })
        {
            // Senders whose window opened during this read: one send each, not one per line.
            foreach (var s in opened.Distinct())
            {
                Pump(s);
            }
            opened.Clear();
        }
        if (_draining)
        {
            CheckDrained();
        }
    }

    public void OnLost(LoadClient client, string reason)
    {
        Interlocked.Increment(ref _lost);
        lock (_lostReasons)
        {
            var key = reason.Length > 120 ? reason[..120] : reason;
            _lostReasons[key] = _lostReasons.GetValueOrDefault(key) + 1;
        }
        Log($"client {client.Index} (port {client.Port}) lost: {reason}");
    }

    private void CheckDrained()
    {
        if (TotalReceived() >= Interlocked.Read(ref _expectedDeliveries))
        {
            _drained.TrySetResult();
        }
    }

    private long TotalSent() => _windows.Sum(w => w.Sent);

    private long TotalReceived()
    {
        long total = 0;
        foreach (var c in _clients)
        {
            total += Volatile.Read(ref c.Privmsgs);
        }
        return total;
    }

    internal static void Log(string line) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} parley-clusterload: {line}");
}

/// <summary>A client could not connect, register or join: the run measured nothing.</summary>
internal sealed class SetupException(string message) : Exception(message);

/// <summary>One server process's CPU over the measured window.</summary>
internal sealed record ServerCpu(int Pid, int Port, double CpuSeconds);
