using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Network;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;
using static Parley.Server.Tests.Metadata.MetadataClients;

namespace Parley.Server.Tests.Metadata;

/// <summary>
/// Who learns of metadata, and when: subscribers who share a channel or monitor, joiners,
/// registration with before-connect, and the rate limit on one's own changes.
/// https://ircv3.net/specs/extensions/metadata#notifications
/// </summary>
public sealed class MetadataNotificationTests
{
    [Fact]
    public async Task UserChange_ReachesSubscribersSharingAChannel_NotOthers()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        var subscriber = await ConnectAsync(server, "sub");
        var unsubscribed = await ConnectAsync(server, "nosub");
        var elsewhere = await ConnectAsync(server, "elsewhere");
        foreach (var c in new[] { subscriber, elsewhere })
        {
            await SendAsync(c, "METADATA * SUB display-name");
        }
        foreach (var c in new[] { alice, subscriber, unsubscribed })
        {
            await JoinAsync(c, "#room");
        }
        await alice.SyncAsync();
        await subscriber.SyncAsync();

        var own = await SendAsync(alice, "METADATA * SET display-name :Alice");
        var set = await subscriber.SyncAsync();
        await SendAsync(alice, "METADATA * SET avatar :not subscribed to");
        await SendAsync(alice, "METADATA * SET display-name");
        var unset = await subscriber.SyncAsync();

        Assert.Equal([Numerics.RPL_KEYVALUE], own.Select(m => m.Command));
        Assert.Equal([Numerics.RPL_KEYVALUE, "*", "alice", "display-name", "*", "Alice"], Line(Assert.Single(set)));
        Assert.Equal([Numerics.RPL_KEYNOTSET, "*", "alice", "display-name", "key not set"], Line(Assert.Single(unset)));
        Assert.Empty(await unsubscribed.SyncAsync());
        Assert.Empty(await elsewhere.SyncAsync());
    }

    [Fact]
    public async Task ChannelChange_ReachesSubscribedMembersOnly()
    {
        await using var server = new TestServer();
        var op = await ConnectAsync(server, "op");
        var member = await ConnectAsync(server, "member");
        var outsider = await ConnectAsync(server, "outsider");
        await SendAsync(member, "METADATA * SUB url");
        await SendAsync(outsider, "METADATA * SUB url");
        await JoinAsync(op, "#room");
        await JoinAsync(member, "#room");
        await op.SyncAsync();

        await SendAsync(op, "METADATA #room SET url :https://example.com");
        await SendAsync(op, "METADATA #room CLEAR");

        Assert.Equal(
            [
                [Numerics.RPL_KEYVALUE, "*", "#room", "url", "*", "https://example.com"],
                [Numerics.RPL_KEYNOTSET, "*", "#room", "url", "key not set"],
            ],
            (await member.SyncAsync()).Select(Line));
        Assert.Empty(await outsider.SyncAsync());
    }

    [Fact]
    public async Task AFailedChange_IsNotRelayed()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        var bob = await ConnectAsync(server, "bob");
        await SendAsync(bob, "METADATA * SUB display-name");
        await JoinAsync(alice, "#room");
        await JoinAsync(bob, "#room");
        await alice.SyncAsync();

        await SendAsync(alice, "METADATA * SET display-name :" + new string('x', MetadataLimits.MaxValueBytes + 1));
        await SendAsync(bob, "METADATA #room SET display-name :not an op");

        Assert.Empty(await bob.SyncAsync());
        Assert.Empty(await alice.SyncAsync());
    }

    [Fact]
    public async Task Monitor_GivesTheCurrentValues_AndLaterChanges_AndValuesOnComingOnline()
    {
        await using var server = new TestServer();
        var watcher = await ConnectAsync(server, "watcher");
        await SendAsync(watcher, "METADATA * SUB display-name");
        var alice = await ConnectAsync(server, "alice");
        await SendAsync(alice, "METADATA * SET display-name :Alice");

        var added = await SendAsync(watcher, "MONITOR + alice,carol");
        await SendAsync(alice, "METADATA * SET display-name :Alice B.");
        var changed = await watcher.SyncAsync();
        var carol = server.Connect();
        await carol.SendAsync("CAP LS 302");
        await carol.SendAsync("CAP REQ :draft/metadata-3");
        await carol.SendAsync("METADATA * SET display-name :Carol");
        await carol.RegisterAsync("carol", "draft/metadata-3");
        var online = await watcher.SyncAsync();

        Assert.Equal([Numerics.RPL_KEYVALUE, "watcher", "alice", "display-name", "*", "Alice"], Line(Assert.Single(added, m => m.Command == Numerics.RPL_KEYVALUE)));
        Assert.Equal("Alice B.", Assert.Single(changed).Parameters[4]);
        Assert.Equal([Numerics.RPL_MONONLINE, Numerics.RPL_KEYVALUE], online.Select(m => m.Command));
        Assert.Equal([Numerics.RPL_KEYVALUE, "*", "carol", "display-name", "*", "Carol"], Line(online[1]));
    }

    [Fact]
    public async Task Join_SendsTheChannelsAndMembersValues_AfterNames_AndMembersLearnTheJoiners()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        var bob = await ConnectAsync(server, "bob");
        await SendAsync(alice, "METADATA * SUB display-name");
        await SendAsync(bob, "METADATA * SUB display-name avatar");
        await JoinAsync(alice, "#room");
        await SendAsync(alice, "METADATA * SET display-name :Alice");
        await SendAsync(alice, "METADATA #room SET display-name :The Room");
        await SendAsync(bob, "METADATA * SET display-name :Bob");

        var joined = await SendAsync(bob, "JOIN #room");
        var atAlice = await alice.SyncAsync();

        var (target, lines) = Batch(joined);
        Assert.Equal(["#room"], target);
        Assert.Equal(
            [
                [Numerics.RPL_KEYVALUE, "bob", "#room", "display-name", "*", "The Room"],
                [Numerics.RPL_KEYVALUE, "bob", "alice", "display-name", "*", "Alice"],
            ],
            lines.Select(Line));
        Assert.True(joined.FindIndex(m => m.Command == Numerics.RPL_ENDOFNAMES) < joined.FindIndex(m => m.Command == "BATCH"));
        Assert.Equal(["JOIN", Numerics.RPL_KEYVALUE], atAlice.Select(m => m.Command));
        Assert.Equal([Numerics.RPL_KEYVALUE, "*", "bob", "display-name", "*", "Bob"], Line(atAlice[1]));
    }

    [Fact]
    public async Task Join_WithoutSubscriptions_GetsAnEmptyBatch_AndAJoinerWithoutTheCapabilityIsStillAnnounced()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        await SendAsync(alice, "METADATA * SUB display-name");
        await JoinAsync(alice, "#room");
        await SendAsync(alice, "METADATA * SET display-name :Alice");
        var bob = await ConnectAsync(server, "bob");
        var plain = await server.ConnectRegisteredAsync("plain");
        await SendAsync(plain, "METADATA * SET display-name :Plain");

        var bobJoined = await SendAsync(bob, "JOIN #room");
        var plainJoined = await SendAsync(plain, "JOIN #room");
        var atAlice = await alice.SyncAsync();

        var (target, lines) = Batch(bobJoined);
        Assert.Equal(["#room"], target);
        Assert.Empty(lines);
        Assert.DoesNotContain(plainJoined, m => m.Command is "BATCH" or Numerics.RPL_KEYVALUE);
        Assert.Equal([Numerics.RPL_KEYVALUE, "*", "plain", "display-name", "*", "Plain"], Line(Assert.Single(atAlice, m => m.Command == Numerics.RPL_KEYVALUE)));
    }

    [Fact]
    public async Task Join_WithMoreValuesThanTheLimit_SaysSyncLater_AndSyncSendsThemAll()
    {
        await using var server = new TestServer();
        var keys = Enumerable.Range(0, MetadataLimits.MaxKeys).Select(i => $"k{i}").ToList();
        var members = MetadataLimits.JoinSyncMaxLines / MetadataLimits.MaxKeys + 1;
        for (var n = 0; n < members; n++)
        {
            var c = await ConnectAsync(server, $"m{n}");
            foreach (var key in keys)
            {
                await c.SendAsync($"METADATA * SET {key} :v");
            }
            await JoinAsync(c, "#big");
        }
        var joiner = await ConnectAsync(server, "joiner");
        await SendAsync(joiner, "METADATA * SUB " + string.Join(' ', keys));

        var joined = await SendAsync(joiner, "JOIN #big");
        var (_, synced) = Batch(await SendAsync(joiner, "METADATA #big SYNC"));

        Assert.Equal([Numerics.RPL_METADATASYNCLATER, "joiner", "#big"], Line(Assert.Single(joined, m => m.Command == Numerics.RPL_METADATASYNCLATER)));
        Assert.DoesNotContain(joined, m => m.Command == Numerics.RPL_KEYVALUE);
        Assert.Equal(members * MetadataLimits.MaxKeys, synced.Count);
    }

    [Fact]
    public async Task Sub_AfterRegistration_SendsTheCurrentValuesOfWhatItGetsUpdatesFor()
    {
        await using var server = new TestServer();
        var alice = await ConnectAsync(server, "alice");
        var bob = await ConnectAsync(server, "bob");
        var stranger = await ConnectAsync(server, "stranger");
        await JoinAsync(alice, "#room");
        await JoinAsync(bob, "#room");
        await SendAsync(alice, "METADATA * SET display-name :Alice");
        await SendAsync(stranger, "METADATA * SET display-name :Stranger");

        var replies = await SendAsync(bob, "METADATA * SUB display-name");

        Assert.Equal(
            [
                [Numerics.RPL_METADATASUBOK, "bob", "display-name"],
                [Numerics.RPL_KEYVALUE, "bob", "alice", "display-name", "*", "Alice"],
            ],
            replies.Select(Line));
    }

    [Fact]
    public async Task BeforeConnect_SetAndSubWork_AndTheBurstCarriesTheValuesBeforeTheMotdEnds()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        await c.SendAsync("CAP REQ :draft/metadata-3 batch");
        var set = await SendAsync(c, "METADATA * SET display-name :Early");
        var sub = await SendAsync(c, "METADATA * SUB avatar");
        var other = await SendAsync(c, "METADATA someone GET display-name");
        await c.SendAsync("NICK early");
        await c.SendAsync("USER early 0 * :Early");
        await c.SendAsync("CAP END");
        var burst = await c.SyncAsync();

        Assert.Equal([Numerics.RPL_KEYVALUE, "*", "*", "display-name", "*", "Early"], Line(Assert.Single(set, m => m.Command != "CAP")));
        Assert.Equal([Numerics.RPL_METADATASUBOK, "*", "avatar"], Line(Assert.Single(sub)));
        Assert.Equal(["FAIL", "METADATA", "INVALID_TARGET", "someone"], Line(Assert.Single(other))[..4]);
        var (target, lines) = Batch(burst);
        Assert.Equal(["early"], target);
        Assert.Equal([Numerics.RPL_KEYVALUE, "early", "early", "display-name", "*", "Early"], Line(Assert.Single(lines)));
        Assert.True(burst.FindIndex(m => m.Command == "BATCH") < burst.FindIndex(m => m.Command is Numerics.RPL_ENDOFMOTD or Numerics.ERR_NOMOTD));
    }

    [Fact]
    public async Task Registration_WithTheCapability_AlwaysCarriesAMetadataBatch()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        await c.SendAsync("CAP REQ :draft/metadata-3 batch");
        await c.SendAsync("NICK quiet");
        await c.SendAsync("USER quiet 0 * :Quiet");
        await c.SendAsync("CAP END");

        var (target, lines) = Batch(await c.SyncAsync());

        Assert.Equal(["quiet"], target);
        Assert.Empty(lines);
    }

    [Fact]
    public async Task OwnChanges_AreRateLimited_WithTheWait_ButNotChannelChanges()
    {
        var options = Opers.Options() with
        {
            Flood = new FloodOptions { Burst = 1000, MetadataChangeBurst = 2, MetadataChangesPerMinute = 6 },
        };
        await using var server = new TestServer(options, floodControl: true);
        var alice = await ConnectAsync(server, "alice");
        await JoinAsync(alice, "#room");

        await SendAsync(alice, "METADATA * SET a :1");
        await SendAsync(alice, "METADATA * SET b :2");
        var limited = Assert.Single(await SendAsync(alice, "METADATA * SET c :3"));
        var channel = Assert.Single(await SendAsync(alice, "METADATA #room SET c :3"));
        server.Time.Advance(TimeSpan.FromSeconds(10));
        var later = Assert.Single(await SendAsync(alice, "METADATA * SET c :3"));

        Assert.Equal(["FAIL", "METADATA", "RATE_LIMITED", "*", "c", "10"], Line(limited)[..6]);
        Assert.Equal(Numerics.RPL_KEYVALUE, channel.Command);
        Assert.Equal(Numerics.RPL_KEYVALUE, later.Command);
    }
}
