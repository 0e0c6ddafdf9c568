using Parley.Cli.Chat;

namespace Parley.Cli.Tests.Chat;

/// <summary><c>parley chat</c> in plain mode against Parley on loopback.</summary>
public sealed class ChatCommandTests
{
    [Theory]
    [InlineData(new string[0], "localhost", 6667, false)]
    [InlineData(new[] { "irc.example.org:7000" }, "irc.example.org", 7000, false)]
    [InlineData(new[] { "[::1]:6668", "--plain" }, "::1", 6668, true)]
    [InlineData(new[] { "::1" }, "::1", 6667, false)]
    [InlineData(new[] { "--tls", "example.org" }, "example.org", 6697, false)]
    public void Options_ParseServerAndPort(string[] args, string host, int port, bool plain)
    {
        var options = ChatOptions.Parse(args, out var error);
        Assert.NotNull(options);
        Assert.Null(error);
        Assert.Equal(host, options.Host);
        Assert.Equal(port, options.Port);
        Assert.Equal(plain, options.Plain);
    }

    [Fact]
    public void Options_TakeNickInline()
    {
        Assert.Equal("carol", ChatOptions.Parse(["--nick=carol"], out _)?.Nick);
        Assert.Equal("carol", ChatOptions.Parse(["--nick", "carol"], out _)?.Nick);
    }

    [Theory]
    [InlineData("--tls=yes")]
    [InlineData("--nick")]
    [InlineData("--bogus")]
    [InlineData("a", "b")]
    [InlineData("host:99999")]
    [InlineData("[::1")]
    public async Task BadUsage_Exits2(params string[] args)
    {
        var stderr = new StringWriter();
        Assert.Equal(2, await ChatCommand.RunAsync(args, new StringReader(""), new StringWriter(), stderr, plain: true));
        Assert.StartsWith("parley chat: ", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEveryCommand_CaseInsensitively()
    {
        await using var chat = new ChatDriver("alice", "127.0.0.1:1");
        await chat.SendAndExpectAsync("/HELP", "commands");
        foreach (var name in new[] { "/login", "/lookup", "/msg", "/show", "/direct", "/accept", "/close", "/join", "/part", "/names", "/topic", "/away", "/history", "/logout", "/exit" })
        {
            await chat.ExpectAsync("  " + name);
        }
        await chat.SendAndExpectAsync("/Help LOGIN", "/login <nick> <password> [<ip> <port> | -]");
        await chat.SendAndExpectAsync("/frobnicate", "!! unknown command /frobnicate");
        await chat.SendAndExpectAsync("/lookup bob", "!! not logged in");
        Assert.Equal(0, await chat.ExitAsync());
    }

    [Fact]
    public async Task Login_WithAWrongPassword_SaysSoAndStaysLoggedOut()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await server.CreateAccountAsync("alice", "sesame");
        await using var chat = new ChatDriver("alice", server.Address);
        await chat.SendAndExpectAsync("/login alice millet", "!! login failed: wrong nick or password");
        await chat.SendAndExpectAsync("/lookup", "!! not logged in");
        await chat.SendAndExpectAsync("/login alice sesame", "-- logged in as alice (account alice)");
        await chat.SendAndExpectAsync("/login alice sesame", "!! already logged in as alice (account alice)");
    }

    [Fact]
    public async Task Connect_WhenNothingListens_SaysWhatWasTried()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var chat = new ChatDriver("alice", $"127.0.0.1:{port}");
        var line = await chat.SendAndExpectAsync("/login alice x", "!! connect failed");
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        await chat.ExpectAsync("!! login failed");
    }

    [Fact]
    public async Task TwoUsers_LookUpMessageShowDirectChat_ThenTheServerStops_AndTheyKeepTalking()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await server.CreateAccountAsync("alice", "wonderland");
        await server.CreateAccountAsync("bob", "builder");
        await using var alice = new ChatDriver("alice", server.Address);
        await using var bob = new ChatDriver("bob", server.Address);

        // alice opts out of the standing listener ("-"); bob does not: his is published (draft/metadata-3).
        await alice.SendAndExpectAsync("/login alice wonderland -", "-- logged in as alice (account alice)");
        await bob.SendAndExpectAsync("/LOGIN bob builder", "-- logged in as bob (account bob)");
        var accepting = await bob.ExpectAsync("-- accepting direct chats at 127.0.0.1 ");
        var bobEndpoint = accepting.Split(' ')[5] + " " + accepting.Split(' ')[6];
        var online = await alice.SendAndExpectAsync("/lookup", "-- online (2)");
        Assert.Contains("bob", online, StringComparison.Ordinal);
        var lookedUp = await alice.SendAndExpectAsync("/lookup bob", "-- bob: online, account bob");
        Assert.Contains($"direct chat at {bobEndpoint}", lookedUp, StringComparison.Ordinal);
        var notPublished = await bob.SendAndExpectAsync("/Lookup alice", "-- alice: online, account alice");
        Assert.DoesNotContain("direct chat at", notPublished, StringComparison.Ordinal);
        await alice.SendAndExpectAsync("/lookup nobody", "!! nobody is not online (unknown nick)");

        await alice.SendAndExpectAsync("/msg bob hello through the server", "-> bob: hello through the server");
        await bob.ExpectAsync("<alice> hello through the server");
        await bob.SendAndExpectAsync("/show", "-- 1 new message:");
        await bob.ExpectAsync("alice: hello through the server");
        await bob.SendAndExpectAsync("/show", "-- no new messages");

        // To bob's published endpoint, with the token through the server: no offer, no /accept,
        // and alice (who opted out) needs no listener.
        await alice.SendAndExpectAsync("/direct bob", $"-- connecting to bob's direct-chat endpoint {bobEndpoint}");
        await alice.ExpectAsync("-- direct chat with bob open");
        await bob.ExpectAsync("-- direct chat with alice open (127.0.0.1:");

        await server.StopAsync();
        await alice.ExpectAsync("!! connection lost");
        await bob.ExpectAsync("!! connection lost");

        await alice.SendAndExpectAsync("/msg bob still here without the server", "=alice= -> bob: still here without the server");
        await bob.ExpectAsync("=alice= still here without the server");
        await bob.SendAndExpectAsync("/msg alice me too", "=bob= -> alice: me too");
        await alice.ExpectAsync("=bob= me too");
        await bob.SendAndExpectAsync("/show alice", "-- 1 new message from alice:");

        await alice.SendAndExpectAsync("/logout", "-- logged out; direct chats still open with bob");
        await alice.SendAndExpectAsync("/exit", "-- bye");
        await bob.ExpectAsync("-- direct chat with alice closed");
        Assert.Equal(0, await alice.ExitAsync());
    }

    [Fact]
    public async Task Channels_JoinNamesTopicPart()
    {
        // History off, for the client's answer to a server without draft/chathistory.
        await using var server = await ParleyLoopback.StartAsync(history: false);
        await using var alice = new ChatDriver("alice", server.Address, "--nick", "alice");
        await using var bob = new ChatDriver("bob", server.Address, "--nick", "bob");
        await alice.ExpectAsync("-- logged in as alice (as a guest, no account)");
        await bob.ExpectAsync("-- logged in as bob");
        await alice.SendAndExpectAsync("/join #tea", "-- alice joined #tea");
        await bob.SendAndExpectAsync("/join #tea", "-- bob joined #tea");
        await alice.ExpectAsync("-- bob joined #tea");
        await alice.SendAndExpectAsync("/names #tea", "-- #tea (2): ");
        await alice.SendAndExpectAsync("/topic #tea Earl Grey", "-- alice set the topic of #tea: Earl Grey");
        await bob.ExpectAsync("-- alice set the topic of #tea: Earl Grey");
        await bob.SendAndExpectAsync("milk first?", "-> #tea: milk first?");
        await alice.ExpectAsync("#tea: <bob> milk first?");
        await alice.SendAndExpectAsync("/away brewing", "-- You have been marked as being away");
        await bob.SendAndExpectAsync("/lookup alice", "away: brewing");
        await bob.SendAndExpectAsync("/history #tea 5", "!! this server keeps no history");
        await bob.SendAndExpectAsync("/part #tea bye", "-- bob left #tea (bye)");
        await alice.ExpectAsync("-- bob left #tea (bye)");
    }

    [Fact]
    public async Task History_ANewcomerReadsWhatWasSaidBefore()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = new ChatDriver("alice", server.Address, "--nick", "alice");
        await alice.ExpectAsync("-- logged in as alice");
        await alice.SendAndExpectAsync("/join #tea", "-- alice joined #tea");
        await alice.SendAndExpectAsync("the kettle is on", "-> #tea: the kettle is on");
        await using var carol = new ChatDriver("carol", server.Address, "--nick", "carol");
        await carol.ExpectAsync("-- logged in as carol");
        await carol.SendAndExpectAsync("/join #tea", "-- carol joined #tea");
        await carol.SendAndExpectAsync("/history #tea 5", "the kettle is on");
    }

    [Fact]
    public async Task ServerRestart_ReconnectsLogsInAgainAndRejoins()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await server.CreateAccountAsync("alice", "wonderland");
        await using var alice = new ChatDriver("alice", server.Address);
        await using var bob = new ChatDriver("bob", server.Address, "--nick", "bob");
        await bob.ExpectAsync("-- logged in as bob");
        await alice.SendAndExpectAsync("/login alice wonderland", "-- logged in as alice (account alice)");
        var accepting = await alice.ExpectAsync("-- accepting direct chats at ");
        var endpoint = accepting.Split(' ')[5] + " " + accepting.Split(' ')[6];
        await alice.SendAndExpectAsync("/join #back", "-- alice joined #back");

        await server.RestartAsync();

        await alice.ExpectAsync("!! connection lost");
        await alice.ExpectAsync("-- reconnecting in");
        await alice.ExpectAsync("-- reconnected as alice (account alice)");
        // The new server knew nothing of it: published again, the same listener (alongside the rejoin).
        await alice.ExpectAllAsync("-- alice joined #back", $"-- direct chats: published again at {endpoint}");
        await bob.ExpectAsync("-- reconnected as bob");
        await bob.SendAndExpectAsync("/msg alice welcome back", "-> alice: welcome back");
        await alice.ExpectAsync("<bob> welcome back");
        await bob.SendAndExpectAsync("/lookup alice", $"direct chat at {endpoint}");
    }

    [Fact]
    public async Task Login_WithAnIpAndPort_ListensAndPublishesThere_AndAPeerWithoutAnEndpointGetsAnOffer()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await server.CreateAccountAsync("alice", "wonderland");
        var port = ExternalPrograms.FreePort();
        await using var alice = new ChatDriver("alice", server.Address);
        await using var bob = new ChatDriver("bob", server.Address, "--nick", "bob", "--no-listen");
        await bob.ExpectAsync("-- logged in as bob");
        await alice.SendAndExpectAsync("/login alice wonderland 127.0.0.1 notaport", "!! the direct-chat address must be an IP address and a port");
        await alice.SendAndExpectAsync("/login alice wonderland 127.0.0.1", "!! usage: /login");
        await alice.SendAndExpectAsync($"/login alice wonderland 127.0.0.1 {port}", "-- logged in as alice");
        await alice.ExpectAsync($"-- accepting direct chats at 127.0.0.1 {port}");
        await bob.SendAndExpectAsync("/lookup alice", $"direct chat at 127.0.0.1 {port}");

        // bob published nothing (--no-listen): alice's /direct falls back to a DCC offer.
        await alice.SendAndExpectAsync("/direct bob", "-- offering bob a direct chat");
        await bob.ExpectAsync("-- alice offers a direct chat from 127.0.0.1:");
        await bob.SendAndExpectAsync("/close alice", "-- refused the direct chat offer from alice");
        await alice.ExpectAsync("!! direct chat with bob failed: bob refused the direct chat");
        await bob.SendAndExpectAsync("/accept alice", "!! no direct chat offer from alice");

        // bob to alice: her endpoint, the given port.
        await bob.SendAndExpectAsync("/direct alice", $"-- connecting to alice's direct-chat endpoint 127.0.0.1 {port}");
        await bob.ExpectAsync($"-- direct chat with alice open (127.0.0.1:{port})");
        await alice.ExpectAsync("-- direct chat with bob open");
        await bob.SendAndExpectAsync("/msg alice straight in", "=bob= -> alice: straight in");
        await alice.ExpectAsync("=bob= straight in");
    }

    [Fact]
    public async Task Logout_ClosesTheListener_AndClearsTheEndpoint()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await server.CreateAccountAsync("bob", "builder");
        await using var alice = new ChatDriver("alice", server.Address, "--nick", "alice");
        await alice.ExpectAsync("-- logged in as alice");
        await using var bob = new ChatDriver("bob", server.Address);
        // A second connection to bob's account keeps the user (multiclient) after this one logs out.
        await using var bobsPhone = new Parley.Client.IrcClient(new Parley.Client.IrcClientOptions
        {
            Host = server.EndPoint.Address.ToString(),
            Port = server.EndPoint.Port,
            Nick = "bob",
            Password = "builder",
            Reconnect = new Parley.Client.ReconnectPolicy { Enabled = false },
        });
        Assert.True((await bobsPhone.StartAsync()).Success);
        var pump = Task.Run(async () =>
        {
            await foreach (var _ in bobsPhone.Events.ReadAllAsync())
            {
            }
        });
        await bob.SendAndExpectAsync("/login bob builder", "-- logged in as bob (account bob)");
        var accepting = await bob.ExpectAsync("-- accepting direct chats at 127.0.0.1 ");
        var port = int.Parse(accepting.Split(' ')[6], System.Globalization.CultureInfo.InvariantCulture);
        await alice.SendAndExpectAsync("/lookup bob", "direct chat at 127.0.0.1 ");

        await bob.SendAndExpectAsync("/logout", "-- logged out");

        var after = await alice.SendAndExpectAsync("/lookup bob", "-- bob: online, account bob");
        Assert.DoesNotContain("direct chat at", after, StringComparison.Ordinal);
        await Assert.ThrowsAsync<Parley.Client.ConnectFailedException>(
            () => Parley.Client.AddressConnector.ConnectAsync([System.Net.IPAddress.Loopback], port));
        await alice.SendAndExpectAsync("/direct bob", "-- offering bob a direct chat");
        await bobsPhone.QuitAsync();
        await pump;
    }

    [Fact]
    public async Task LongMessage_IsSplit_AndArrivesWhole()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = new ChatDriver("alice", server.Address, "--nick", "alice");
        await using var bob = new ChatDriver("bob", server.Address, "--nick", "bob");
        await alice.ExpectAsync("-- logged in as alice");
        await bob.ExpectAsync("-- logged in as bob");
        var words = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"w{i}"));
        await alice.SendAndExpectAsync("/msg bob " + words, "-> bob: w0 w1");
        await bob.ExpectAsync("<alice> w0 w1 ");
        await bob.ExpectAsync("w199");
    }
}
