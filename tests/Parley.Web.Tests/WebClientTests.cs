using Microsoft.Playwright;
using Parley.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.Web.Tests;

/// <summary>
/// The web client in Debian's Chromium against a real <c>parley serve</c>: browser users log in
/// or register, talk in a channel and privately with a terminal user, scroll back, keep read
/// markers in step across devices, edit and delete, look people up. Every test has a server of
/// its own. Screenshots for docs/web.md are written to <see cref="BrowserFixture.ScreenshotDir"/>.
/// </summary>
public sealed class WebClientTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task TwoBrowserUsers_TalkInAChannel_AndPrivatelyWithATerminalUser()
    {
        await using var server = await ServerProcess.StartAsync("alice", "carol");
        await using var carol = await TerminalUser.ConnectAsync(server.IrcPort, "carol", account: true);
        await carol.JoinAsync("#lobby");
        await carol.SendAsync("TOPIC #lobby :Parley's lobby: say hello");

        await using var alice = await WebUser.OpenAsync(browser, server);
        await alice.LogInAsync("alice");
        await using var bob = await WebUser.OpenAsync(browser, server);
        await bob.RegisterAsync("bob");
        await alice.JoinAsync("#lobby");
        await bob.JoinAsync("#lobby");
        await Expect(alice.Page.Locator(".header .topic")).ToHaveTextAsync("Parley's lobby: say hello");

        // In the channel: each one's words reach the other two.
        await alice.SayAsync("hello from alice's browser");
        await Expect(bob.Line("hello from alice's browser")).ToBeVisibleAsync();
        await carol.WaitForAsync(l => l.EndsWith("PRIVMSG #lobby :hello from alice's browser", StringComparison.Ordinal));
        await carol.SayAsync("#lobby", "carol here, in a terminal");
        await Expect(alice.Line("carol here, in a terminal")).ToBeVisibleAsync();
        await Expect(bob.Line("carol here, in a terminal")).ToBeVisibleAsync();

        // Actions, links, and markup shown as the text it is.
        await alice.Composer.FillAsync("/me waves at everyone");
        await alice.Composer.PressAsync("Enter");
        await Expect(bob.Page.Locator(".messages .line.action", new() { HasTextString = "waves at everyone" })).ToBeVisibleAsync();
        await carol.SayAsync("#lobby", "the spec: https://ircv3.net/specs/extensions/read-marker <b>not bold</b>");
        await Expect(bob.Page.Locator(".messages a[href='https://ircv3.net/specs/extensions/read-marker']")).ToBeVisibleAsync();
        await Expect(bob.Line("<b>not bold</b>")).ToBeVisibleAsync();
        await Expect(bob.Page.Locator(".messages b")).ToHaveCountAsync(0);

        // Tab completes a member's nick.
        await alice.Composer.FillAsync("ca");
        await alice.Composer.PressAsync("Tab");
        await Expect(alice.Composer).ToHaveValueAsync("carol: ");
        await alice.Composer.PressSequentiallyAsync("thanks for the link");
        await alice.Composer.PressAsync("Enter");
        await carol.WaitForAsync(l => l.EndsWith("PRIVMSG #lobby :carol: thanks for the link", StringComparison.Ordinal));

        // Members with their prefixes: carol made the channel, so she is its operator.
        await alice.Page.GetByRole(AriaRole.Button, new() { Name = "Members" }).ClickAsync();
        var members = alice.Page.Locator(".panel .members");
        await Expect(members.Locator("li")).ToHaveCountAsync(3);
        await Expect(members.Locator("li").First).ToHaveTextAsync("@carol");

        // Privately: carol to alice shows up as a direct conversation with an unread count.
        await carol.SayAsync("alice", "psst, alice: a private word");
        await Expect(alice.Badge("carol")).ToHaveTextAsync("1");
        await alice.OpenAsync("carol");
        await Expect(alice.Line("psst, alice: a private word")).ToBeVisibleAsync();
        await Expect(alice.Badge("carol")).ToHaveCountAsync(0);
        await alice.SayAsync("and one back to you, carol");
        await carol.WaitForAsync(l => l.Contains("PRIVMSG carol :and one back to you, carol", StringComparison.Ordinal));

        // bob writes to carol with a command, as in a terminal client.
        await bob.Composer.FillAsync("/msg carol bob's private hello");
        await bob.Composer.PressAsync("Enter");
        await carol.WaitForAsync(l => l.Contains(":bob!", StringComparison.Ordinal) && l.EndsWith("PRIVMSG carol :bob's private hello", StringComparison.Ordinal));
        await Expect(bob.Title).ToHaveTextAsync("carol");

        await alice.OpenAsync("#lobby");
        await alice.ScreenshotAsync("conversation.png");
    }

    [Fact]
    public async Task LookupPanel_ShowsOnlineAwayAccountAndIdle()
    {
        await using var server = await ServerProcess.StartAsync("alice", "carol");
        await using var carol = await TerminalUser.ConnectAsync(server.IrcPort, "carol", account: true);
        await carol.JoinAsync("#lookup");
        await carol.SendAsync("AWAY :making tea");
        await using var alice = await WebUser.OpenAsync(browser, server);
        await alice.LogInAsync("alice");
        await alice.JoinAsync("#lookup");
        await alice.SayAsync("who is here?");

        await alice.Page.GetByRole(AriaRole.Button, new() { Name = "Members" }).ClickAsync();
        await Expect(alice.Page.Locator(".panel .members li.away")).ToHaveTextAsync("@carol");
        await alice.Page.Locator(".panel .members").GetByText("carol").ClickAsync();
        var panel = alice.Page.GetByRole(AriaRole.Complementary, new() { Name = "Lookup" });
        await Expect(panel.Locator("h2")).ToHaveTextAsync("carol");
        await Expect(panel.Locator(".status")).ToHaveTextAsync("away");
        await Expect(panel.Locator("dd", new() { HasTextString = "making tea" })).ToBeVisibleAsync();
        await Expect(panel.Locator("dt", new() { HasTextString = "Account" }).Locator("xpath=following-sibling::dd[1]")).ToHaveTextAsync("carol");
        await Expect(panel.Locator("dt", new() { HasTextString = "Idle" })).ToBeVisibleAsync();
        await alice.ScreenshotAsync("lookup.png");

        // Someone who is not connected: offline.
        await alice.Composer.FillAsync("/whois nobody-here");
        await alice.Composer.PressAsync("Enter");
        await Expect(panel.Locator("h2")).ToHaveTextAsync("nobody-here");
        await Expect(panel.Locator(".status")).ToHaveTextAsync("offline");

        // From the panel to a conversation.
        await alice.Composer.FillAsync("/whois carol");
        await alice.Composer.PressAsync("Enter");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Message carol" }).ClickAsync();
        await Expect(alice.Title).ToHaveTextAsync("carol");
    }

    [Fact]
    public async Task ScrollBack_FetchesOlderHistoryUntilTheStart()
    {
        await using var server = await ServerProcess.StartAsync("alice");
        await using var carol = await TerminalUser.ConnectAsync(server.IrcPort, "carol");
        await carol.JoinAsync("#history");
        for (var i = 1; i <= 120; i++)
        {
            await carol.SayAsync("#history", $"history line {i}");
        }
        await carol.SendAsync("PING :sent");
        await carol.WaitForAsync(l => l.Contains(" PONG ", StringComparison.Ordinal) && l.EndsWith("sent", StringComparison.Ordinal));

        await using var alice = await WebUser.OpenAsync(browser, server);
        await alice.LogInAsync("alice");
        await alice.JoinAsync("#history");
        // On joining: the latest page, not the start.
        await Expect(alice.Line("history line 120")).ToBeVisibleAsync();
        await Expect(alice.Page.Locator(".messages .line .text", new() { HasTextRegex = new("^history line 1$") })).ToHaveCountAsync(0);

        // Scrolling to the top fetches older pages (CHATHISTORY BEFORE) until the start.
        var first = alice.Page.Locator(".messages .line .text", new() { HasTextRegex = new("^history line 1$") });
        for (var page = 0; page < 5 && await first.CountAsync() == 0; page++)
        {
            var before = await alice.Lines.CountAsync();
            await alice.Page.Locator(".messages").EvaluateAsync("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }");
            await Expect(alice.Lines).Not.ToHaveCountAsync(before);
        }
        await Expect(first).ToHaveCountAsync(1);
        await Expect(alice.Page.Locator(".history-edge")).ToHaveTextAsync("Start of the history");
        var texts = await alice.Page.Locator(".messages .line.message .text").AllTextContentsAsync();
        Assert.Equal(Enumerable.Range(1, 120).Select(i => $"history line {i}"), texts);
    }

    [Fact]
    public async Task ReadMarkers_UnreadCountsClearWhenAnotherDeviceReads()
    {
        await using var server = await ServerProcess.StartAsync("alice");
        await using var carol = await TerminalUser.ConnectAsync(server.IrcPort, "carol");
        await carol.JoinAsync("#marks");
        await using var laptop = await WebUser.OpenAsync(browser, server);
        await laptop.LogInAsync("alice");
        await laptop.JoinAsync("#marks");
        // The second device remembers no channels: the server shows it the account's (multiclient).
        await using var phone = await WebUser.OpenAsync(browser, server, WebUser.Phone);
        await phone.LogInAsync("alice");
        await Expect(phone.Title).ToHaveTextAsync("#marks");

        // Both look elsewhere; carol talks.
        await laptop.OpenAsync("*server*");
        await phone.Page.GetByRole(AriaRole.Button, new() { Name = "Conversations" }).ClickAsync();
        await phone.OpenAsync("*server*");
        await carol.SayAsync("#marks", "first unread");
        await carol.SayAsync("#marks", "second unread");
        await Expect(laptop.Badge("#marks")).ToHaveTextAsync("2");
        await Expect(phone.Badge("#marks")).ToHaveTextAsync("2");
        await Expect(laptop.Page).ToHaveTitleAsync("(2) Parley");

        // Reading on the laptop moves the marker (MARKREAD), and the phone's count follows.
        await laptop.OpenAsync("#marks");
        await Expect(laptop.Badge("#marks")).ToHaveCountAsync(0);
        await Expect(phone.Badge("#marks")).ToHaveCountAsync(0);
        await Expect(phone.Page).ToHaveTitleAsync("Parley");

        // And the other way round.
        await laptop.OpenAsync("*server*");
        await carol.SayAsync("#marks", "third unread");
        await Expect(laptop.Badge("#marks")).ToHaveTextAsync("1");
        await phone.Page.GetByRole(AriaRole.Button, new() { Name = "Conversations" }).ClickAsync();
        await Expect(phone.Badge("#marks")).ToHaveTextAsync("1");
        await phone.ScreenshotAsync("phone-list.png");
        await phone.OpenAsync("#marks");
        await Expect(laptop.Badge("#marks")).ToHaveCountAsync(0);
        await Expect(phone.Line("third unread")).ToBeVisibleAsync();
        await phone.ScreenshotAsync("phone.png");
    }

    [Fact]
    public async Task UpEditsTheLastLine_AndDeletingRedactsItForEveryone()
    {
        await using var server = await ServerProcess.StartAsync("alice", "bob");
        await using var carol = await TerminalUser.ConnectAsync(server.IrcPort, "carol");
        await carol.JoinAsync("#edits");
        await using var alice = await WebUser.OpenAsync(browser, server);
        await alice.LogInAsync("alice");
        await alice.JoinAsync("#edits");
        await using var bob = await WebUser.OpenAsync(browser, server);
        await bob.LogInAsync("bob");
        await bob.JoinAsync("#edits");

        await alice.SayAsync("teh quick fox");
        await Expect(bob.Line("teh quick fox")).ToBeVisibleAsync();
        await alice.Composer.PressAsync("ArrowUp");
        await Expect(alice.Composer).ToHaveValueAsync("teh quick fox");
        await alice.Composer.FillAsync("the quick fox");
        await alice.Composer.PressAsync("Enter");
        await Expect(bob.Line("the quick fox")).ToBeVisibleAsync();
        await Expect(bob.Line("teh quick fox")).ToHaveCountAsync(0);
        await Expect(bob.Page.Locator(".messages .line.redacted")).ToHaveCountAsync(1);
        await carol.WaitForAsync(l => l.Contains(" REDACT #edits ", StringComparison.Ordinal));

        // The delete button on one's own line.
        await alice.Line("the quick fox").HoverAsync();
        await alice.Page.Locator(".messages .line", new() { HasTextString = "the quick fox" }).GetByRole(AriaRole.Button, new() { Name = "Delete message" }).ClickAsync();
        await Expect(bob.Line("the quick fox")).ToHaveCountAsync(0);
        await Expect(bob.Page.Locator(".messages .line.redacted")).ToHaveCountAsync(2);
        // Others' lines have no delete button.
        await bob.SayAsync("bob's line");
        await Expect(alice.Page.Locator(".messages .line", new() { HasTextString = "bob's line" }).GetByRole(AriaRole.Button, new() { Name = "Delete message" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task BrowseChannels_ListsThemWithTopics_AndJoinsOne()
    {
        await using var server = await ServerProcess.StartAsync("alice");
        await using var carol = await TerminalUser.ConnectAsync(server.IrcPort, "carol");
        await carol.JoinAsync("#alpha");
        await carol.SendAsync("TOPIC #alpha :the first channel");
        await carol.JoinAsync("#beta");
        await using var alice = await WebUser.OpenAsync(browser, server, WebUser.Phone);
        await alice.LogInAsync("alice");

        await alice.Page.GetByRole(AriaRole.Button, new() { Name = "Conversations" }).ClickAsync();
        await alice.Page.GetByRole(AriaRole.Button, new() { Name = "Browse channels" }).ClickAsync();
        var panel = alice.Page.GetByRole(AriaRole.Complementary, new() { Name = "Channels on this server" });
        await Expect(panel.Locator("li")).ToHaveCountAsync(2);
        await Expect(panel.Locator("li", new() { HasTextString = "#alpha" })).ToContainTextAsync("the first channel");
        await alice.ScreenshotAsync("phone-channels.png");
        await panel.GetByRole(AriaRole.Button, new() { Name = "#alpha" }).ClickAsync();
        await Expect(alice.Title).ToHaveTextAsync("#alpha");
        await Expect(panel).ToHaveCountAsync(0);
        await carol.WaitForAsync(l => l.Contains(" JOIN #alpha", StringComparison.Ordinal) && l.Contains(":alice!", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keyboard_AltNumberAndCtrlKSwitchConversations()
    {
        await using var server = await ServerProcess.StartAsync("alice");
        await using var alice = await WebUser.OpenAsync(browser, server);
        await alice.LogInAsync("alice");
        await alice.JoinAsync("#one");
        await alice.JoinAsync("#two");
        await alice.Page.Keyboard.PressAsync("Alt+1");
        await Expect(alice.Title).ToHaveTextAsync("#one");
        await alice.Page.Keyboard.PressAsync("Alt+2");
        await Expect(alice.Title).ToHaveTextAsync("#two");
        await alice.Page.Keyboard.PressAsync("Control+k");
        var dialog = alice.Page.GetByRole(AriaRole.Dialog, new() { Name = "Switch conversation" });
        await dialog.Locator("input").FillAsync("one");
        await dialog.Locator("input").PressAsync("Enter");
        await Expect(alice.Title).ToHaveTextAsync("#one");
        await Expect(dialog).ToHaveCountAsync(0);
        // Enter sends; the composer has the focus after switching.
        await alice.Page.Keyboard.TypeAsync("typed without clicking");
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Line("typed without clicking")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task HiddenTab_PrivateMessagesAndMentionsNotify()
    {
        await using var server = await ServerProcess.StartAsync("alice");
        await using var carol = await TerminalUser.ConnectAsync(server.IrcPort, "carol");
        await carol.JoinAsync("#notes");
        await using var alice = await WebUser.OpenAsync(browser, server);
        // A headless tab is never hidden and shows no notifications: the page's Notification and
        // document.hidden are stand-ins that record what the client asks for.
        await alice.Page.AddInitScriptAsync("""
            window.__notes = [];
            window.__hidden = false;
            Object.defineProperty(document, 'hidden', { get: () => window.__hidden });
            window.Notification = class {
              static permission = 'granted';
              static requestPermission() { return Promise.resolve('granted'); }
              constructor(title, options) { window.__notes.push(title + ': ' + options.body); }
              close() {}
            };
            """);
        await alice.Page.ReloadAsync();
        await alice.LogInAsync("alice");
        await alice.JoinAsync("#notes");
        await alice.Page.EvaluateAsync("window.__hidden = true");

        await carol.SayAsync("#notes", "a line that mentions nobody");
        await carol.SayAsync("#notes", "alice: are you there?");
        await carol.SayAsync("alice", "a private question");
        await Expect(alice.Line("a private question")).ToHaveCountAsync(0); // not opened yet
        await Expect(alice.Badge("carol")).ToHaveTextAsync("1");
        var notes = await alice.Page.EvaluateAsync<string[]>("window.__notes");
        Assert.Equal(["carol in #notes: alice: are you there?", "carol: a private question"], notes);
        // Hidden, the open channel is not marked read; shown again, it is.
        await Expect(alice.Badge("#notes")).ToHaveTextAsync("2");
        await alice.Page.EvaluateAsync("window.__hidden = false; document.dispatchEvent(new Event('visibilitychange'))");
        await Expect(alice.Badge("#notes")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task TakenAccountName_OrNoServer_IsSaidOnTheLoginForm()
    {
        await using var server = await ServerProcess.StartAsync("alice");
        await using var user = await WebUser.OpenAsync(browser, server);
        await user.Page.GetByRole(AriaRole.Tab, new() { Name = "Create account" }).ClickAsync();
        await user.Page.GetByLabel("Account", new() { Exact = true }).FillAsync("alice");
        await user.Page.GetByLabel("Password", new() { Exact = true }).FillAsync("another password");
        await user.Page.Locator("form button[type=submit]").ClickAsync();
        await Expect(user.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("alice");

        await server.StopAsync();
        await user.Page.GetByRole(AriaRole.Tab, new() { Name = "Log in" }).ClickAsync();
        await user.Page.Locator("form button[type=submit]").ClickAsync();
        await Expect(user.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Cannot connect to the server");
    }

    [Fact]
    public async Task WrongPassword_IsSaidOnTheLoginForm()
    {
        await using var server = await ServerProcess.StartAsync("alice");
        await using var alice = await WebUser.OpenAsync(browser, server);
        await alice.Page.GetByLabel("Account", new() { Exact = true }).FillAsync("alice");
        await alice.Page.GetByLabel("Password", new() { Exact = true }).FillAsync("not the password");
        await alice.Page.Locator("form button[type=submit]").ClickAsync();
        await Expect(alice.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("fail", new() { IgnoreCase = true });
        await Expect(alice.Page.Locator("form button[type=submit]")).ToBeEnabledAsync();
    }
}
