using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;
using Parley.Server.Storage;

namespace Parley.Benchmarks;

/// <summary>
/// Stored channel messages per second with ARCHITECTURE.md rule 10 in force: PRIVMSGs go through
/// the real Network path (lock, channel rules, record, delivery pipeline) to a channel of
/// <see cref="Members"/> members, into SQLite history.db on disk (WAL, synchronous=NORMAL,
/// group commit); an invocation ends when every message is committed and delivered. Each
/// operation is one message, so 1 s / (time per op) is messages per second. History off is the
/// same path without a store.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MemoryDiagnoser]
public class HistoryWriteBenchmarks
{
    public const int MessagesPerInvoke = 20_000;
    public const int Members = 10;

    private string _dir = "";
    private SqliteHistoryStore? _store;
    private IrcNetwork _network = null!;
    private IrcUser _sender = null!;
    private readonly ReplyBuffer _replies = new();

    [Params(true, false)]
    public bool History { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("parley-bench-").FullName;
        _store = History ? SqliteHistoryStore.Open(_dir) : null;
        _network = new IrcNetwork("bench.local", CaseMapping.Rfc1459, TimeProvider.System, new DeliveryPipeline(_store, NullLogger.Instance));
        for (var i = 0; i < Members; i++)
        {
            var user = _network.Connect(new NullSink(), "127.0.0.1", "127.0.0.1");
            _network.ChangeNick(user, "user" + i, null);
            _network.CompleteRegistration(user, "u" + i, "bench");
            _network.Join(user, "#bench", null, _replies);
            _replies.Clear();
            _sender ??= user;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public async Task ChannelPrivmsg()
    {
        for (var i = 0; i < MessagesPerInvoke; i++)
        {
            var message = new OutboundMessage(_sender.Prefix, "PRIVMSG", "#bench", "a message of ordinary length, about sixty bytes")
            {
                Time = _network.NowTag(),
                MsgId = _network.NewMsgId(),
            };
            _network.SendToChannel(_sender, "#bench", MemberStatus.None, message, _replies, echo: false);
        }
        await _network.Deliveries.WhenDeliveredAsync();
    }

    /// <summary>A client that reads everything at once: encodes for its capabilities, as an outbox would, and drops the bytes.</summary>
    private sealed class NullSink : IClientSink
    {
        public Capability Caps => Capability.ServerTime | Capability.MessageTags;

        public void Deliver(OutboundMessage message) => _ = message.GetBytes(Caps);

        public void Disconnect(string reason)
        {
        }
    }
}
