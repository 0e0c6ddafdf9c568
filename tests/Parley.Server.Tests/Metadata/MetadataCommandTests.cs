using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;
using static Parley.Server.Tests.Metadata.MetadataClients;

namespace Parley.Server.Tests.Metadata;

/// <summary>METADATA's subcommands, errors and permissions. https://ircv3.net/specs/extensions/metadata</summary>
public sealed class MetadataCommandTests
{
    [Fact]
    public async Task CapLs_OffersMetadata3_WithBeforeConnectAndTheLimits()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        var ls = (await c.SyncAsync()).Where(m => m.Command == "CAP").SelectMany(m => m.Parameters[^1].Split(' '));

        Assert.Contains("draft/metadata-3=before-connect,max-subs=100,max-keys=20,max-value-bytes=256", ls);
    }

    [Fact]
    public async Task Get_AnswersEveryKeyInOrder_InAMetadataBatchNamingTheTarget()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        await SendAsync(alice, "METADATA * SET avatar :https://example.com/a.png");

        var (parameters, lines) = Batch(await SendAsync(alice, "METADATA * GET display-name avatar BAD"));

        Assert.Equal(["alice"], parameters);
        Assert.Equal(
            [
                [Numerics.RPL_KEYNOTSET, "alice", "alice", "display-name", "key not set"],
                [Numerics.RPL_KEYVALUE, "alice", "alice", "avatar", "*", "https://example.com/a.png"],
                ["FAIL", "METADATA", "KEY_INVALID", "BAD", "invalid key"],
            ],
            lines.Select(Line));
    }

    [Fact]
    public async Task SetThenUnset_RepliesWithTheValueThenKeyNotSet_AndUnsetAgainFails()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");

        var set = Assert.Single(await SendAsync(alice, "METADATA * SET display-name :Alice A."));
        var unset = Assert.Single(await SendAsync(alice, "METADATA alice SET display-name"));
        var again = Assert.Single(await SendAsync(alice, "METADATA * SET display-name"));

        Assert.Equal([Numerics.RPL_KEYVALUE, "alice", "alice", "display-name", "*", "Alice A."], Line(set));
        Assert.Equal([Numerics.RPL_KEYNOTSET, "alice", "alice", "display-name", "key not set"], Line(unset));
        Assert.Equal(["FAIL", "METADATA", "KEY_NOT_SET", "alice", "display-name", "key not set"], Line(again));
    }

    [Fact]
    public async Task Set_EmptyValue_IsAValue()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");

        await SendAsync(alice, "METADATA * SET status :");
        var (_, lines) = Batch(await SendAsync(alice, "METADATA * LIST"));

        Assert.Equal([Numerics.RPL_KEYVALUE, "alice", "alice", "status", "*", ""], Line(Assert.Single(lines)));
    }

    [Fact]
    public async Task List_ShowsEveryKey_AndAnInvalidTargetGetsOnlyAFail()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        await SendAsync(alice, "METADATA * SET display-name :Alice");
        await SendAsync(alice, "METADATA * SET pronouns :she/her");
        var bob = await ConnectAsync(server, "bob");

        var (parameters, lines) = Batch(await SendAsync(bob, "METADATA Alice LIST"));
        var invalid = await SendAsync(bob, "METADATA nobody LIST");

        Assert.Equal(["alice"], parameters);
        Assert.Equal(
            new Dictionary<string, string> { ["display-name"] = "Alice", ["pronouns"] = "she/her" },
            lines.ToDictionary(m => m.Parameters[2], m => m.Parameters[4]));
        Assert.Equal(["FAIL", "METADATA", "INVALID_TARGET", "nobody", "invalid metadata target"], Line(Assert.Single(invalid)));
    }

    [Fact]
    public async Task OtherUsersMetadata_CannotBeSetOrCleared()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        var bob = await ConnectAsync(server, "bob");
        await SendAsync(bob, "METADATA * SET color :#c90076");

        var set = Assert.Single(await SendAsync(alice, "METADATA bob SET display-name :Not Bob"));
        var clear = Assert.Single(await SendAsync(alice, "METADATA bob CLEAR"));
        var (_, lines) = Batch(await SendAsync(bob, "METADATA * LIST"));

        Assert.Equal(["FAIL", "METADATA", "KEY_NO_PERMISSION", "bob", "display-name", "permission denied"], Line(set));
        Assert.Equal(["FAIL", "METADATA", "KEY_NO_PERMISSION", "bob", "*", "permission denied"], Line(clear));
        Assert.Equal([Numerics.RPL_KEYVALUE, "bob", "bob", "color", "*", "#c90076"], Line(Assert.Single(lines)));
    }

    [Fact]
    public async Task IrcOperators_MaySetOtherUsersMetadata()
    {
        await using var server = new TestServer(Opers.Options());
        var oper = await ConnectAsync(server, "oper");
        await Opers.OperAsync(oper);
        var bob = await ConnectAsync(server, "bob");

        var set = Assert.Single(await SendAsync(oper, "METADATA bob SET display-name :Robert"));
        var (_, lines) = Batch(await SendAsync(bob, "METADATA * GET display-name"));

        Assert.Equal([Numerics.RPL_KEYVALUE, "oper", "bob", "display-name", "*", "Robert"], Line(set));
        Assert.Equal("Robert", Assert.Single(lines).Parameters[4]);
    }

    [Fact]
    public async Task ChannelMetadata_IsSetByChannelOperators_AndReadByMembersOnly()
    {
        await using var server = new TestServer();
        var op = await ConnectAsync(server, "op");
        var member = await ConnectAsync(server, "member");
        var outsider = await ConnectAsync(server, "outsider");
        await JoinAsync(op, "#room");
        await JoinAsync(member, "#room");
        await op.SyncAsync();

        var set = Assert.Single(await SendAsync(op, "METADATA #ROOM SET url :https://example.com"));
        var refused = Assert.Single(await SendAsync(member, "METADATA #room SET url :https://evil.example"));
        var (parameters, lines) = Batch(await SendAsync(member, "METADATA #room GET url"));
        var hidden = await SendAsync(outsider, "METADATA #room GET url");
        var hiddenList = await SendAsync(outsider, "METADATA #room LIST");
        var hiddenSync = await SendAsync(outsider, "METADATA #room SYNC");
        var missing = Assert.Single(await SendAsync(op, "METADATA #nowhere SET url :x"));

        Assert.Equal([Numerics.RPL_KEYVALUE, "op", "#room", "url", "*", "https://example.com"], Line(set));
        Assert.Equal(["FAIL", "METADATA", "KEY_NO_PERMISSION", "#room", "url", "permission denied"], Line(refused));
        Assert.Equal(["#room"], parameters);
        Assert.Equal("https://example.com", Assert.Single(lines).Parameters[4]);
        foreach (var reply in new[] { hidden, hiddenList, hiddenSync })
        {
            Assert.Equal(["FAIL", "METADATA", "KEY_NO_PERMISSION", "#room", "*", "permission denied"], Line(Assert.Single(reply)));
        }
        Assert.Equal(["FAIL", "METADATA", "INVALID_TARGET", "#nowhere", "invalid metadata target"], Line(missing));
    }

    [Fact]
    public async Task Clear_RemovesEveryKey_WithOneKeyNotSetEachInABatch()
    {
        await using var server = new TestServer();
        var op = await ConnectAsync(server, "op");
        await JoinAsync(op, "#room");
        await SendAsync(op, "METADATA #room SET url :https://example.com");
        await SendAsync(op, "METADATA #room SET avatar :https://example.com/a.png");

        var (parameters, lines) = Batch(await SendAsync(op, "METADATA #room CLEAR"));
        var (_, after) = Batch(await SendAsync(op, "METADATA #room LIST"));

        Assert.Equal(["#room"], parameters);
        Assert.Equal(["avatar", "url"], lines.Select(m => m.Parameters[2]).Order());
        Assert.All(lines, m => Assert.Equal([Numerics.RPL_KEYNOTSET, "op", "#room"], Line(m)[..3]));
        Assert.Empty(after);
    }

    [Theory]
    [InlineData("Display-Name")]
    [InlineData("$url$")]
    [InlineData("a*b")]
    [InlineData("key:colon")]
    public async Task Set_InvalidKey_FailsKeyInvalid(string key)
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");

        var reply = Assert.Single(await SendAsync(alice, $"METADATA * SET {key} :value"));

        Assert.Equal(["FAIL", "METADATA", "KEY_INVALID"], Line(reply)[..3]);
    }

    [Fact]
    public async Task Set_ValueOverTheLimit_FailsInvalidValue_AtTheLimitIsAccepted()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        var heart = "\U0001F49C"; // 4 bytes in UTF-8

        var tooLong = Assert.Single(await SendAsync(alice, "METADATA * SET display-name :x" + string.Concat(Enumerable.Repeat(heart, 64))));
        var atLimit = Assert.Single(await SendAsync(alice, "METADATA * SET display-name :" + string.Concat(Enumerable.Repeat(heart, 64))));

        Assert.Equal(["FAIL", "METADATA", "INVALID_VALUE", "display-name"], Line(tooLong)[..4]);
        Assert.Equal(Numerics.RPL_KEYVALUE, atLimit.Command);
    }

    [Fact]
    public async Task Set_InvalidUtf8_IsRefusedBeforeAnythingIsStored()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");

        await alice.SendRawAsync([.. "METADATA * SET display-name :bad "u8, 0xC3, .. "\r\n"u8]);
        var reply = Assert.Single(await alice.SyncAsync());
        var (_, lines) = Batch(await SendAsync(alice, "METADATA * LIST"));

        Assert.Equal(["FAIL", "METADATA", "INVALID_UTF8"], Line(reply)[..3]);
        Assert.Empty(lines);
    }

    [Fact]
    public async Task Set_BeyondMaxKeys_FailsLimitReached_ButAKeyAlreadySetMayChange()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        for (var i = 0; i < MetadataLimits.MaxKeys; i++)
        {
            await alice.SendAsync($"METADATA * SET key{i} :v");
        }
        await alice.SyncAsync();

        var refused = Assert.Single(await SendAsync(alice, "METADATA * SET one-more :v"));
        var changed = Assert.Single(await SendAsync(alice, "METADATA * SET key0 :w"));

        Assert.Equal(["FAIL", "METADATA", "LIMIT_REACHED", "alice"], Line(refused)[..4]);
        Assert.Equal([Numerics.RPL_KEYVALUE, "alice", "alice", "key0", "*", "w"], Line(changed));
    }

    [Fact]
    public async Task SubUnsubSubs_KeepTheListAndReportEveryKey()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");

        var sub = await SendAsync(alice, "METADATA * SUB avatar $bad website avatar");
        var unsub = await SendAsync(alice, "METADATA * UNSUB website never-subscribed BAD");
        var (_, subs) = Batch(await SendAsync(alice, "METADATA * SUBS"), "metadata-subs");

        Assert.Equal(
            [
                [Numerics.RPL_METADATASUBOK, "alice", "avatar", "website", "avatar"],
                ["FAIL", "METADATA", "KEY_INVALID", "$bad", "invalid key"],
            ],
            sub.Select(Line));
        Assert.Equal(
            [
                [Numerics.RPL_METADATAUNSUBOK, "alice", "website", "never-subscribed"],
                ["FAIL", "METADATA", "KEY_INVALID", "BAD", "invalid key"],
            ],
            unsub.Select(Line));
        Assert.Equal([Numerics.RPL_METADATASUBS, "alice", "avatar"], Line(Assert.Single(subs)));
    }

    [Fact]
    public async Task KeyLists_LongerThanFifteenParameters_OrTrailing_AreSplitIntoKeys()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        var keys = Enumerable.Range(0, 30).Select(i => $"k{i}").ToList();

        var sub = await SendAsync(alice, "METADATA * SUB " + string.Join(' ', keys));
        var get = Batch(await SendAsync(alice, "METADATA * GET :k1 k2")).Lines;

        Assert.Equal(keys, sub.Where(m => m.Command == Numerics.RPL_METADATASUBOK).SelectMany(m => m.Parameters.Skip(1)));
        Assert.Equal(["k1", "k2"], get.Select(m => m.Parameters[2]));
    }

    [Fact]
    public async Task Sub_BeyondMaxSubs_StopsAtTheFirstKeyThatDoesNotFit()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        var first = Enumerable.Range(0, MetadataLimits.MaxSubs - 1).Select(i => $"k{i}");
        await SendAsync(alice, "METADATA * SUB " + string.Join(' ', first));

        var replies = await SendAsync(alice, "METADATA * SUB last over $bad");
        var (_, subs) = Batch(await SendAsync(alice, "METADATA * SUBS"), "metadata-subs");

        Assert.Equal(
            [
                [Numerics.RPL_METADATASUBOK, "alice", "last"],
                ["FAIL", "METADATA", "TOO_MANY_SUBS", "over", "too many subscriptions"],
            ],
            replies.Select(Line));
        Assert.Equal(MetadataLimits.MaxSubs, subs.Sum(m => m.Parameters.Count - 1));
    }

    [Fact]
    public async Task Sync_SendsTheSubscribedKeysOfTheTarget_AndOfAChannelsMembers()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        var bob = await ConnectAsync(server, "bob");
        await JoinAsync(alice, "#room");
        await JoinAsync(bob, "#room");
        await SendAsync(alice, "METADATA * SET display-name :Alice");
        await SendAsync(alice, "METADATA * SET secret-ish :not subscribed");
        await SendAsync(alice, "METADATA #room SET display-name :The Room");
        await SendAsync(bob, "METADATA * SUB display-name");

        var (userTarget, userLines) = Batch(await SendAsync(bob, "METADATA alice SYNC"));
        var (channelTarget, channelLines) = Batch(await SendAsync(bob, "METADATA #room SYNC"));

        Assert.Equal(["alice"], userTarget);
        Assert.Equal([Numerics.RPL_KEYVALUE, "bob", "alice", "display-name", "*", "Alice"], Line(Assert.Single(userLines)));
        Assert.Equal(["#room"], channelTarget);
        Assert.Equal(
            [["#room", "The Room"], ["alice", "Alice"]],
            channelLines.Select(m => new[] { m.Parameters[1], m.Parameters[4] }));
    }

    [Fact]
    public async Task UnknownSubcommand_FailsSubcommandInvalid_AndMissingKeysGet461()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");

        var unknown = Assert.Single(await SendAsync(alice, "METADATA * DESTROY"));
        var noKeys = Assert.Single(await SendAsync(alice, "METADATA * GET"));
        var noTarget = Assert.Single(await SendAsync(alice, "METADATA *"));

        Assert.Equal(["FAIL", "METADATA", "SUBCOMMAND_INVALID", "DESTROY", "invalid subcommand"], Line(unknown));
        Assert.Equal(Numerics.ERR_NEEDMOREPARAMS, noKeys.Command);
        Assert.Equal(Numerics.ERR_NEEDMOREPARAMS, noTarget.Command);
    }

    [Fact]
    public async Task Whois_ShowsTheTargetsMetadata_ToClientsWithTheCapability()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        var bob = await ConnectAsync(server, "bob");
        var plain = await server.ConnectRegisteredAsync("plain");
        await SendAsync(alice, "METADATA * SET display-name :Alice");

        var withCap = await SendAsync(bob, "WHOIS alice");
        var without = await SendAsync(plain, "WHOIS alice");

        Assert.Equal([Numerics.RPL_WHOISKEYVALUE, "bob", "alice", "display-name", "*", "Alice"], Line(Assert.Single(withCap, m => m.Command == Numerics.RPL_WHOISKEYVALUE)));
        Assert.True(withCap.FindIndex(m => m.Command == Numerics.RPL_WHOISKEYVALUE) < withCap.FindIndex(m => m.Command == Numerics.RPL_ENDOFWHOIS));
        Assert.DoesNotContain(without, m => m.Command == Numerics.RPL_WHOISKEYVALUE);
    }

    [Fact]
    public async Task Get_WithLabeledResponse_PutsTheLabelOnTheBatch()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice", "labeled-response", "message-tags");

        var replies = await SendAsync(alice, "@label=L1 METADATA * GET avatar");

        Assert.Equal("L1", replies[0].GetTag("label"));
        Assert.Equal(["+", "metadata"], [replies[0].Parameters[0][..1], replies[0].Parameters[1]]);
        Assert.Equal(3, replies.Count);
    }

    [Fact]
    public async Task UserMetadata_EndsWithTheConnection_AndChannelMetadataWithTheChannel()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        await JoinAsync(alice, "#room");
        await SendAsync(alice, "METADATA * SET display-name :Alice");
        await SendAsync(alice, "METADATA #room SET url :https://example.com");
        await alice.SendAsync("QUIT");
        await alice.ReadUntilClosedAsync();

        var again = await ConnectAsync(server, "alice");
        await JoinAsync(again, "#room");
        var (_, mine) = Batch(await SendAsync(again, "METADATA * LIST"));
        var (_, room) = Batch(await SendAsync(again, "METADATA #room LIST"));

        Assert.Empty(mine);
        Assert.Empty(room);
    }
}
