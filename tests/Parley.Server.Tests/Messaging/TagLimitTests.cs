using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Messaging;

/// <summary>Clients may send 4094 bytes of tag data; more is refused with 417 and relayed to no one.
/// https://ircv3.net/specs/extensions/message-tags#size-limit</summary>
public sealed class TagLimitTests
{
    [Fact]
    public async Task TagsAtClientLimit_AreRelayedIntact()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "message-tags", "echo-message");
        var bob = await server.ConnectRegisteredAsync("bob", "message-tags");
        var value = new string('a', 4081);
        // "foo=bar;+baz=" + 4081 bytes = 4094 bytes of tag data.
        await alice.SendAsync($"@foo=bar;+baz={value} TAGMSG bob");
        var echo = await alice.ExpectAsync("TAGMSG");
        Assert.Equal(value, echo.GetTag("+baz"));
        var relay = await bob.ExpectAsync("TAGMSG");
        Assert.Equal(value, relay.GetTag("+baz"));
    }

    [Theory]
    [InlineData("@foo=bar;+baz={0} TAGMSG bob", 4082)]
    [InlineData("@+clientOnlyTagExample={0} PRIVMSG bob hi!", 4096)]
    public async Task TagsOverClientLimit_RepliesInputTooLong_AndRelaysNothing(string format, int length)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "message-tags");
        var bob = await server.ConnectRegisteredAsync("bob", "message-tags");
        await alice.SendAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, new string('a', length)));
        Assert.Equal(Numerics.ERR_INPUTTOOLONG, (await alice.ReadAsync()).Command);
        Assert.Empty(await bob.SyncAsync());
    }
}
