using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Protocol;
using System.Diagnostics.Metrics;
using Parley.Server.Connections;
using Parley.Server.Diagnostics;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Benchmarks;

/// <summary>
/// One channel PRIVMSG to <see cref="Members"/> members through the real path: Network's lock
/// and channel rules, encoding once per capability variant, the delivery pipeline and each
/// member's <see cref="Outbox"/> (whose drains write into a transport that discards the bytes).
/// History off, so this is the fan-out alone. Allocated ÷ members is the allocation per
/// delivered message (the goal is none: only the message and its encodings are allocated).
/// </summary>
[MemoryDiagnoser]
public class FanoutBenchmarks
{
    private static readonly Capability[] Variants =
    [
        Capability.None,
        Capability.ServerTime,
        Capability.ServerTime | Capability.MessageTags | Capability.AccountTag,
    ];

    private IrcNetwork _network = null!;
    private IrcUser _sender = null!;
    private readonly ReplyBuffer _replies = new();
    private readonly List<Outbox> _outboxes = [];

    [Params(200, 1000)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _network = new IrcNetwork("bench.local", CaseMapping.Rfc1459, TimeProvider.System, new DeliveryPipeline(null, NullLogger.Instance));
        for (var i = 0; i < Members; i++)
        {
            // A SendQ no benchmark run can fill: the drains keep up on the other core.
            var outbox = new Outbox(new DiscardingWriter(), long.MaxValue);
            _outboxes.Add(outbox);
            var user = _network.Connect(new MemberSink(outbox, Variants[i % Variants.Length]), "127.0.0.1", "127.0.0.1");
            _network.ChangeNick(user, "user" + i, null);
            _network.CompleteRegistration(user, "u" + i, "bench");
            _network.Join(user, "#bench", null, _replies);
            _replies.Clear();
            _sender ??= user;
        }
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == _metrics.Meter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.Start();
    }

    [Benchmark(Baseline = true)]
    public void ChannelPrivmsg() => Send();

    /// <summary>
    /// The same, plus what the metrics add to a message's path (issue 10): the command table's
    /// per-verb count (one interlocked increment, as <c>CommandTable.DispatchAsync</c> does) and
    /// <see cref="ParleyMetrics.MessagesDelivered"/> (one interlocked add per fan-out), with a
    /// listener enabled on the meter as the Prometheus exporter has one. The instruments are
    /// observable: nothing is called per update, the fields are read at a scrape.
    /// </summary>
    [Benchmark]
    public void ChannelPrivmsgCounted()
    {
        Interlocked.Increment(ref _privmsgCount);
        var result = Send();
        _metrics.MessagesDelivered(result.Delivered);
    }

    /// <summary>The metrics' part of <see cref="ChannelPrivmsgCounted"/> alone: its absolute cost.</summary>
    [Benchmark]
    public void MetricsAlone()
    {
        Interlocked.Increment(ref _privmsgCount);
        _metrics.MessagesDelivered(Members);
    }

    private SendResult Send()
    {
        var message = new OutboundMessage(_sender.Prefix, "PRIVMSG", "#bench", "L3:12345:987654321:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
        {
            Time = _network.NowTag(),
            MsgId = _network.NewMsgId(),
        };
        return _network.SendToChannel(_sender, "#bench", MemberStatus.None, message, _replies, echo: false);
    }

    private readonly ParleyMetrics _metrics = new();
    private MeterListener? _listener;
    private long _privmsgCount;

    [GlobalCleanup]
    public void Cleanup() => _listener?.Dispose();

    /// <summary>What a session does on delivery: encode for its capabilities (cached per variant) and queue.</summary>
    private sealed class MemberSink(Outbox outbox, Capability caps) : IClientSink
    {
        public Capability Caps => caps;

        public void Deliver(OutboundMessage message) => outbox.Enqueue(message.GetBytes(caps));

        public void Disconnect(string reason)
        {
        }
    }

    /// <summary>A transport that takes every byte at once (a client that always reads).</summary>
    private sealed class DiscardingWriter : PipeWriter
    {
        private readonly byte[] _buffer = new byte[64 * 1024];

        public override void Advance(int bytes)
        {
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer;

        public override Span<byte> GetSpan(int sizeHint = 0) => _buffer;

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
            => new(new FlushResult(isCanceled: false, isCompleted: false));
    }
}
