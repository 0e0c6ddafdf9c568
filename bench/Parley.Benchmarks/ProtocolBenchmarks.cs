using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Benchmarks;

/// <summary>Parsing one line, the work per received command.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private readonly byte[] _privmsg = Encoding.UTF8.GetBytes("PRIVMSG #bench :L3:12345:987654321:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    private readonly byte[] _tagged = Encoding.UTF8.GetBytes("@label=abc;+draft/reply=msg123;+typing=active :nick!user@host PRIVMSG #bench :hello there, how are you?");
    private readonly byte[] _ping = Encoding.UTF8.GetBytes("PING :token");

    [Benchmark(Baseline = true)]
    public IrcMessage? Privmsg() => IrcParser.TryParse(_privmsg, out var m, out _) ? m : null;

    [Benchmark]
    public IrcMessage? TaggedPrivmsg() => IrcParser.TryParse(_tagged, out var m, out _) ? m : null;

    [Benchmark]
    public IrcMessage? Ping() => IrcParser.TryParse(_ping, out var m, out _) ? m : null;
}

/// <summary>Writing one line into a reused buffer.</summary>
[MemoryDiagnoser]
public class WriterBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly string[] _params = ["#bench", "L3:12345:987654321:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"];

    [Benchmark]
    public int Privmsg()
    {
        _buffer.ResetWrittenCount();
        IrcWriter.Write(_buffer, null, "nick!~user@k7d2q9xm4ahw3bzt.parley", "PRIVMSG", _params, forceTrailing: true);
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public int PrivmsgWithTags()
    {
        _buffer.ResetWrittenCount();
        IrcWriter.Write(_buffer, "time=2026-11-25T12:00:00.000Z;msgid=abc123;account=alice", "nick!~user@k7d2q9xm4ahw3bzt.parley", "PRIVMSG", _params, forceTrailing: true);
        return _buffer.WrittenCount;
    }
}

/// <summary>
/// Encoding a channel message for its members: once per capability variant, whatever the
/// member count (ARCHITECTURE rule 6). The figure per delivery is this divided by the members.
/// </summary>
[MemoryDiagnoser]
public class EncodeOnceBenchmarks
{
    private static readonly Capability[] Variants =
    [
        Capability.None,
        Capability.ServerTime,
        Capability.ServerTime | Capability.MessageTags | Capability.AccountTag,
    ];

    [Params(200, 1000)]
    public int Members { get; set; }

    [Benchmark]
    public long EncodeForChannel()
    {
        var message = new OutboundMessage("nick!~user@k7d2q9xm4ahw3bzt.parley", "PRIVMSG", "#bench", "L3:12345:987654321:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
        {
            Time = "2026-11-25T12:00:00.000Z",
            MsgId = "abc123",
            Account = "alice",
        };
        long total = 0;
        for (var i = 0; i < Members; i++)
        {
            total += message.GetBytes(Variants[i % Variants.Length]).Length;
        }
        return total;
    }
}
