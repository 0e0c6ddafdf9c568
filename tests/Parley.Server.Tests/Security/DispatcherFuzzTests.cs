using System.Text;
using CsCheck;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;

namespace Parley.Server.Tests.Security;

/// <summary>
/// Fuzzing the dispatcher (CsCheck): random lines made of real verbs, odd parameters and tags,
/// from registered and unregistered clients (some of them operators). No command may throw
/// (a handler exception closes the connection with "Internal error"), and a bystander is
/// served throughout. Bounded in CI; PARLEY_FUZZ_SECONDS runs it longer by hand.
/// </summary>
public sealed class DispatcherFuzzTests
{
    private static int Seconds(int ci) => int.TryParse(Environment.GetEnvironmentVariable("PARLEY_FUZZ_SECONDS"), out var s) && s > 0 ? s : ci;

    private static readonly string[] Verbs =
    [
        "NICK", "USER", "PASS", "CAP", "PING", "PONG", "JOIN", "PART", "PRIVMSG", "NOTICE", "TAGMSG", "MODE", "TOPIC", "KICK", "INVITE",
        "LIST", "NAMES", "WHO", "WHOIS", "WHOWAS", "ISON", "USERHOST", "AWAY", "SETNAME", "MONITOR", "OPER", "KILL", "WALLOPS", "REHASH",
        "MOTD", "LUSERS", "VERSION", "TIME", "INFO", "ADMIN", "HELP", "LINKS", "STATS", "BATCH", "AUTHENTICATE", "KLINE", "UNKLINE",
        "DLINE", "UNDLINE", "REGISTER", "VERIFY", "CHATHISTORY", "MARKREAD", "REDACT", "METADATA", "SASL", "HELPOP", "FOO", "001",
    ];

    private static readonly Gen<string> Token = Gen.OneOf(
        Gen.String[Gen.Char["#&,:*@!+-~%.obvklmnstiIeq0123456789aZé\u00a0\u0001"], 0, 10],
        Gen.OneOfConst("#chan", "#chan,#other", "*", "0", "-1", "99999999999", "fuzzer", "bystander", "+o fuzzer", "LS", "302", "REQ", "END",
            "PLAIN", "*", "+b", "-b", "a:x", "m:*!*@*", "draft/multiline", "+", "LATEST", "TARGETS", "NickServ", "%", "@#chan", "+#chan"),
        Gen.String[Gen.Char['a', 'z'], 400, 600]);

    private static readonly Gen<string> Tags = Gen.OneOf(
        Gen.Const(""),
        Gen.OneOfConst("@label=l1 ", "@+draft/reply=x;label=y ", "@batch=b1 ", "@+typing=active ", "@a=" + new string('x', 300) + " ", "@draft/multiline-concat ", "@= "));

    private static readonly Gen<string> Line =
        Gen.Select(Tags, Gen.OneOfConst(Verbs), Token.Array[0, 7], Gen.Bool, Token)
            .Select((tags, verb, ps, trailing, last) =>
            {
                var sb = new StringBuilder(tags).Append(verb);
                foreach (var p in ps)
                {
                    sb.Append(' ').Append(p.Replace(' ', '_').TrimStart(':'));
                }
                if (trailing)
                {
                    sb.Append(" :").Append(last);
                }
                return sb.ToString();
            });


    [Fact]
    public async Task RandomCommands_NeverThrow_AndOthersAreServed()
    {
        await using var server = new TestServer(Opers.Options());
        var bystander = await server.ConnectRegisteredAsync("bystander7qz");
        var n = 0;
        await Gen.Select(Line.Array[1, 10], Gen.Bool, Gen.Bool).SampleAsync(async (lines, register, oper) =>
        {
            var id = Interlocked.Increment(ref n);
            await using var fuzzer = server.Connect($"10.{id % 250}.{id / 250 % 250}.1");
            if (register)
            {
                await fuzzer.RegisterAsync($"f{id}", "message-tags", "batch", "labeled-response", "echo-message", "draft/multiline", "standard-replies");
                if (oper)
                {
                    await Opers.OperAsync(fuzzer);
                }
            }
            var text = string.Join("\r\n", lines) + "\r\nPING fuzz-done\r\n";
            await fuzzer.SendRawAsync(Encoding.UTF8.GetBytes(text));
            // Until the PONG, or the server closed this client (QUIT, a batch left open, ...): never for an internal error.
            var seen = new List<string>();
            try
            {
                while (true)
                {
                    var m = await fuzzer.ReadAsync(TimeSpan.FromSeconds(10));
                    seen.Add(m.ToString());
                    if (m.Command == "ERROR" || (m.Command == "PONG" && m.Parameters[^1] == "fuzz-done"))
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or EndOfStreamException or IOException)
            {
                // Closed without an ERROR line: only after one was sent, checked below.
            }
            Assert.DoesNotContain(seen, l => l.Contains("Internal error", StringComparison.Ordinal));
            // A fuzzing operator may have K-lined everyone ("KLINE *"): that is the command
            // working. Lift the bans; a bystander they disconnected must have been told why.
            var bans = server.Context.Bans;
            var banned = false;
            foreach (var kind in new[] { Parley.Server.Security.BanKind.KLine, Parley.Server.Security.BanKind.DLine })
            {
                foreach (var ban in bans.List(kind))
                {
                    bans.Remove(kind, ban.Mask);
                    banned = true;
                }
            }
            if (banned && bystander.Session.IsClosing)
            {
                var last = (await bystander.ReadUntilClosedAsync()).LastOrDefault();
                Assert.Contains("-Lined", last?.ToString() ?? "", StringComparison.Ordinal);
                bystander = await server.ConnectRegisteredAsync("bystander" + id);
            }
            Assert.Empty(await bystander.SyncAsync());
        }, time: Seconds(5), threads: 1);
    }
}
