using Parley.Server.Network;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Messaging;

/// <summary>
/// Messages from a +B user carry the <c>bot</c> tag for clients with message-tags.
/// https://ircv3.net/specs/extensions/bot-mode. The mode is set directly: MODE is another family's.
/// </summary>
public sealed class BotTagTests
{
    private static async Task<TestClient> ConnectBotAsync(TestServer server, params string[] caps)
    {
        var bot = await server.ConnectRegisteredAsync("botnick", caps);
        bot.Session.User.Modes |= UserModes.Bot;
        return bot;
    }

    [Fact]
    public async Task PrivateMessage_FromBot_CarriesBotTag_OnlyWithMessageTags()
    {
        await using var server = new TestServer();
        var bot = await ConnectBotAsync(server, "echo-message", "message-tags");
        var user = await server.ConnectRegisteredAsync("usernick", "message-tags");
        var plain = await server.ConnectRegisteredAsync("plain");
        await bot.SendAsync("PRIVMSG usernick,plain :beep boop");
        var echoes = await bot.SyncAsync();
        Assert.All(echoes, m => Assert.True(m.HasTag("bot")));
        var got = await user.ExpectAsync("PRIVMSG");
        Assert.True(got.HasTag("bot"));
        Assert.Equal(["usernick", "beep boop"], got.Parameters);
        Assert.False((await plain.ExpectAsync("PRIVMSG")).HasTag("bot"));
    }

    [Fact]
    public async Task ChannelMessage_FromBot_CarriesBotTag()
    {
        await using var server = new TestServer();
        var bot = await ConnectBotAsync(server);
        var user = await server.ConnectRegisteredAsync("usernick", "message-tags");
        await bot.SendAsync("JOIN #chan");
        await bot.SyncAsync();
        await user.SendAsync("JOIN #chan");
        await user.SyncAsync();
        await bot.SendAsync("PRIVMSG #chan :beep boop");
        var got = await user.ExpectAsync("PRIVMSG");
        Assert.True(got.HasTag("bot"));
    }

    [Fact]
    public async Task MultilineFromBot_CarriesBotTag_OnBatchStartAndEveryFallbackLine()
    {
        await using var server = new TestServer();
        var bot = await ConnectBotAsync(server, "batch", "draft/multiline");
        var multi = await server.ConnectRegisteredAsync("multi", "message-tags", "batch", "draft/multiline");
        var tags = await server.ConnectRegisteredAsync("tags", "message-tags");
        foreach (var target in new[] { "multi", "tags" })
        {
            await bot.SendAsync($"BATCH +1 draft/multiline {target}");
            await bot.SendAsync($"@batch=1 PRIVMSG {target} :one");
            await bot.SendAsync($"@batch=1 PRIVMSG {target} :two");
            await bot.SendAsync("BATCH -1");
        }
        await bot.SyncAsync();
        var batch = await multi.SyncAsync();
        Assert.True(batch[0].HasTag("bot"));
        var fallback = await tags.SyncAsync();
        Assert.Equal(2, fallback.Count);
        Assert.All(fallback, m => Assert.True(m.HasTag("bot")));
    }
}
