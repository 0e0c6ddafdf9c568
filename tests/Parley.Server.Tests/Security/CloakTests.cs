using System.Text.RegularExpressions;
using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Security;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;

namespace Parley.Server.Tests.Security;

public sealed partial class CloakTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [GeneratedRegex("^[a-z2-7]{16}\\.parley$")]
    private static partial Regex CloakShape();

    [Fact]
    public void Cloak_IsStable_KeyDependent_AndGroupsAnIpv6Slash64()
    {
        var cloak = new HostCloak(Key, "parley");
        var other = new HostCloak([.. Key.Reverse()], "parley");

        Assert.Matches(CloakShape(), cloak.Apply("192.0.2.1"));
        Assert.Equal(cloak.Apply("192.0.2.1"), cloak.Apply("192.0.2.1"));
        Assert.Equal(cloak.Apply("192.0.2.1"), cloak.Apply("::ffff:192.0.2.1"));
        Assert.NotEqual(cloak.Apply("192.0.2.1"), cloak.Apply("192.0.2.2"));
        Assert.NotEqual(cloak.Apply("192.0.2.1"), other.Apply("192.0.2.1"));
        Assert.Equal(cloak.Apply("2001:db8:1:2::1"), cloak.Apply("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        Assert.NotEqual(cloak.Apply("2001:db8:1:2::1"), cloak.Apply("2001:db8:1:3::1"));
        Assert.Equal("unknown", cloak.Apply("unknown"));
    }

    [Fact]
    public void Key_IsMadeOnce_OwnerOnly_AndADamagedOneIsAnError()
    {
        var dir = Directory.CreateTempSubdirectory("parley-cloak-").FullName;
        try
        {
            var first = HostCloak.LoadOrCreateKey(dir);
            var again = HostCloak.LoadOrCreateKey(dir);
            Assert.Equal(32, first.Length);
            Assert.Equal(first, again);
            var path = Path.Combine(dir, HostCloak.KeyFile);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            File.WriteAllText(path, "not base64!");
            var ex = Assert.Throws<InvalidOperationException>(() => HostCloak.LoadOrCreateKey(dir));
            Assert.Contains("delete it", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Others_SeeTheCloak_TheUserAndOperatorsSeeTheAddress_BansStillMatchTheAddress()
    {
        await using var server = new TestServer(Opers.Options(), cloaks: true);
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);
        var cloak = alice.Session.User.Host;
        Assert.Matches(CloakShape(), cloak);

        await alice.SendAsync("PRIVMSG bob :hi");
        var message = await bob.ExpectAsync("PRIVMSG");
        Assert.Equal($"alice!~alice@{cloak}", message.Source);

        await bob.SendAsync("WHOIS alice");
        var seenByBob = await bob.SyncAsync();
        Assert.Equal(cloak, seenByBob.Single(m => m.Command == Numerics.RPL_WHOISUSER).Parameters[3]);
        Assert.DoesNotContain(seenByBob, m => m.Command == Numerics.RPL_WHOISACTUALLY);
        Assert.DoesNotContain(seenByBob, m => m.Parameters.Any(p => p.Contains("127.0.0.1", StringComparison.Ordinal)));

        await oper.SendAsync("WHOIS alice");
        var seenByOper = await oper.SyncAsync();
        Assert.Contains("127.0.0.1", seenByOper.Single(m => m.Command == Numerics.RPL_WHOISACTUALLY).Parameters);

        // A ban on the real address holds although nobody else can see it.
        await bob.SendAsync("JOIN #c");
        await bob.SendAsync("MODE #c +b *!*@127.0.0.1");
        await bob.SyncAsync();
        await alice.SendAsync("JOIN #c");
        Assert.Contains(await alice.SyncAsync(), m => m.Command == Numerics.ERR_BANNEDFROMCHAN);
    }

    [Fact]
    public async Task Off_ShowsTheAddress()
    {
        await using var server = new TestServer(new ServerOptions { Cloaks = new CloakOptions { Enabled = false } }, cloaks: true);
        var alice = await server.ConnectRegisteredAsync("alice");
        Assert.Equal("127.0.0.1", alice.Session.User.Host);
    }
}
