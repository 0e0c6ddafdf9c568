using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Messaging;

/// <summary>Messages a client sends to its own nick: the copy as recipient plus, with echo-message, the echo.</summary>
public sealed class SelfMessageTests
{
    [Theory]
    [InlineData("PRIVMSG me :hi")]
    [InlineData("NOTICE me :hi")]
    public async Task ToSelf_WithEchoAndLabel_ArrivesTwice_LabelOnOne(string line)
    {
        await using var server = new TestServer();
        var me = await server.ConnectRegisteredAsync("me", "echo-message", "batch", "labeled-response");
        await me.SendAsync("@label=12345 " + line);
        var got = await me.SyncAsync();
        Assert.Equal(2, got.Count);
        Assert.All(got, m => Assert.Equal(line.Split(' ')[0], m.Command));
        Assert.Single(got, m => m.GetTag("label") == "12345");
    }

    [Fact]
    public async Task TagmsgToSelf_WithEchoAndLabel_ArrivesTwice_LabelOnOne()
    {
        await using var server = new TestServer();
        var me = await server.ConnectRegisteredAsync("me", "echo-message", "batch", "labeled-response", "message-tags");
        await me.SendAsync("@label=7;+draft/react=x TAGMSG me");
        var got = await me.SyncAsync();
        Assert.Equal(2, got.Count);
        Assert.All(got, m => Assert.Equal("TAGMSG", m.Command));
        Assert.All(got, m => Assert.Equal("x", m.GetTag("+draft/react")));
        Assert.Single(got, m => m.GetTag("label") == "7");
    }

    [Fact]
    public async Task ToSelf_WithoutEcho_ArrivesOnce()
    {
        await using var server = new TestServer();
        var me = await server.ConnectRegisteredAsync("me");
        await me.SendAsync("PRIVMSG me :hi");
        var got = await me.SyncAsync();
        var m = Assert.Single(got);
        Assert.Equal(["me", "hi"], m.Parameters);
    }
}
