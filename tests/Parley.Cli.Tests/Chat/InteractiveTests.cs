namespace Parley.Cli.Tests.Chat;

/// <summary>The interactive screen of <c>parley chat</c>, in a real terminal (tmux).</summary>
public sealed class InteractiveTests
{
    private static string Parley => Path.Combine(AppContext.BaseDirectory, "parley");

    [RequiresProgramFact("tmux")]
    public async Task InputLine_StaysIntactWhileMessagesArrive_ThenCompletionHistoryAndSwitching()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var bob = new ChatDriver("bob", server.Address, "--nick", "bob");
        await bob.ExpectAsync("-- logged in as bob");
        await using var alice = await TmuxPane.StartAsync($"'{Parley}' chat {server.Address} --nick alice");
        await alice.WaitForOutputAsync("logged in as alice");
        // The standing direct-chat listener is announced after the login: let that line come
        // first, so it cannot land between bob's message and the redrawn input line.
        await alice.WaitForOutputAsync("accepting direct chats at");

        await alice.TypeAsync("half-typed line");
        await alice.WaitForOutputAsync("half-typed line");
        await bob.SendAndExpectAsync("/msg alice ping from bob", "-> alice: ping from bob");
        await alice.WaitForOutputAsync("<bob> ping from bob");
        // The input line is drawn again under the message, with bob's unread count.
        await alice.WaitForOutputAsync("(bob:1)> half-typed line");

        var screen = await alice.ScreenAsync();
        Assert.True(screen[^2].Contains("<bob> ping from bob", StringComparison.Ordinal), string.Join('\n', screen));
        Assert.Equal("[-] (bob:1)> half-typed line", screen[^1]);

        // Ctrl-U clears; Tab completes the nick; Enter sends.
        await alice.KeysAsync("C-u");
        await alice.TypeAsync("/msg bo");
        await alice.KeysAsync("Tab");
        await alice.WaitForOutputAsync("/msg bob ");
        await alice.TypeAsync("completed");
        await alice.KeysAsync("Enter");
        await bob.ExpectAsync("<alice> completed");

        // Up brings the line back; the current conversation is now bob.
        await alice.KeysAsync("Up");
        await alice.WaitForOutputAsync("[bob]> /msg bob completed");

        await alice.KeysAsync("C-u");
        await alice.TypeAsync("/exit");
        await alice.KeysAsync("Enter");
        await alice.WaitForOutputAsync("-- bye");
    }
}
