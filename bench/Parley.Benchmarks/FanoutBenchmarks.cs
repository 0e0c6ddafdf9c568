using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Protocol;
using Parley.Server.Connections;
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
    }

    [Benchmark]
    public void ChannelPrivmsg()
    {
        var message = new OutboundMessage(_sender.Prefix, "PRIVMSG", "#bench", "L3:12345:987654321:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
        {
            Time = _network.NowTag(),
            MsgId = _network.NewMsgId(),
        };
        _network.SendToChannel(_sender, "#bench", MemberStatus.None, message, _replies, echo: false);
    }

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
