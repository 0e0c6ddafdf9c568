namespace Parley.Cli.Tests.Chat;

/// <summary><c>parley chat</c> against ngIRCd: no SASL, no accounts, PASS refused; the basic commands still work.</summary>
public sealed class NgircdTests
{
    [RequiresProgramFact("ngircd")]
    public async Task BasicCommands_AgainstNgircd()
    {
        await using var server = await NgircdServer.StartAsync();
        await using var alice = new ChatDriver("alice", server.Address);
        await using var bob = new ChatDriver("bob", server.Address, "--nick", "bob");

        await alice.SendAndExpectAsync("/login alice secret", "-- logged in as alice (the server has no accounts: the password was not checked)");
        await bob.ExpectAsync("-- logged in as bob (as a guest, no account)");
        await alice.SendAndExpectAsync("/lookup bob", "-- bob: online, no account");
        await alice.SendAndExpectAsync("/lookup nobody", "!! nobody is not online");
        var online = await alice.SendAndExpectAsync("/lookup", "-- online");
        Assert.Contains("bob", online, StringComparison.Ordinal);

        await alice.SendAndExpectAsync("/msg bob hi from alice", "-> bob: hi from alice");
        await bob.ExpectAsync("<alice> hi from alice");
        await bob.SendAndExpectAsync("/show alice", "alice: hi from alice");

        await alice.SendAndExpectAsync("/join #ng", "-- alice joined #ng");
        await bob.SendAndExpectAsync("/join #ng", "-- bob joined #ng");
        await alice.ExpectAsync("-- bob joined #ng");
        var names = await alice.SendAndExpectAsync("/names #ng", "-- #ng (2)");
        Assert.Contains("@alice", names, StringComparison.Ordinal);
        await alice.SendAndExpectAsync("/topic #ng tea time", "set the topic of #ng: tea time");
        await bob.ExpectAsync("-- alice set the topic of #ng: tea time");
        await bob.SendAndExpectAsync("/msg #ng hello channel", "-> #ng: hello channel");
        await alice.ExpectAsync("#ng: <bob> hello channel");
        await bob.SendAndExpectAsync("/away out", "marked as being away");
        await alice.SendAndExpectAsync("/lookup bob", "away: out");
        await alice.SendAndExpectAsync("/history #ng", "!! this server keeps no history");

        await alice.SendAndExpectAsync("/direct bob", "-- offering bob a direct chat");
        await bob.ExpectAsync("-- alice offers a direct chat from 127.0.0.1:");
        await bob.SendAndExpectAsync("/accept alice", "-- direct chat with alice open");
        await alice.ExpectAsync("-- direct chat with bob open");
        await alice.SendAndExpectAsync("/msg bob direct", "=alice= -> bob: direct");
        await bob.ExpectAsync("=alice= direct");

        await bob.SendAndExpectAsync("/logout", "-- logged out");
        await alice.ExpectAsync("-- bob quit");
        await alice.SendAndExpectAsync("/part #ng", "-- alice left #ng");
        await alice.SendAndExpectAsync("/exit", "-- bye");
        Assert.Equal(0, await alice.ExitAsync());
    }
}
