using Parley.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.Web.Tests;

/// <summary>
/// The server restarts: the web client reconnects with backoff, logs in again, rejoins, and
/// shows what was said while it was away (CHATHISTORY AFTER), in a channel and privately.
/// </summary>
public sealed class ReconnectTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AfterAServerRestart_TheClientReconnects_AndShowsWhatItMissed()
    {
        await using var server = await ServerProcess.StartAsync("alice", "carol");
        await using var alice = await WebUser.OpenAsync(browser, server);
        await alice.LogInAsync("alice");
        await alice.JoinAsync("#restart");
        await alice.SayAsync("before the restart");

        await server.StopAsync();
        await Expect(alice.Page.Locator(".banner")).ToContainTextAsync("Reconnecting");
        // Offline, the browser cannot reconnect before the missed messages exist.
        await alice.SetOfflineAsync(true);
        await server.StartAsync();
        await using (var carol = await TerminalUser.ConnectAsync(server.IrcPort, "carol", account: true))
        {
            await carol.JoinAsync("#restart");
            await carol.SayAsync("#restart", "said while alice was away");
            await carol.SayAsync("alice", "a private word while you were away");
            await carol.SendAsync("PING :sent");
            await carol.WaitForAsync(l => l.Contains(" PONG ", StringComparison.Ordinal) && l.EndsWith("sent", StringComparison.Ordinal));
        }

        // Back online: the client retries at once, logs in, rejoins and fetches what it missed.
        await alice.SetOfflineAsync(false);
        await Expect(alice.Page.Locator(".banner")).ToHaveCountAsync(0);
        await Expect(alice.Line("said while alice was away")).ToBeVisibleAsync();
        await Expect(alice.Line("before the restart")).ToHaveCountAsync(1);
        await Expect(alice.Badge("carol")).ToHaveTextAsync("1");
        await alice.OpenAsync("carol");
        await Expect(alice.Line("a private word while you were away")).ToBeVisibleAsync();

        // And the channel works as before.
        await alice.OpenAsync("#restart");
        await alice.SayAsync("after the restart");
    }
}
