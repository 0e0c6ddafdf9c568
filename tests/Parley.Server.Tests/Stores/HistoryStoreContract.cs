using Microsoft.Extensions.Time.Testing;
using Parley.Protocol;
using Parley.Server.Storage;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// What every <see cref="IHistoryStore"/> guarantees, written once and run against each back end:
/// SQLite here (SqliteHistoryStoreTests), PostgreSQL in Parley.Cluster.Tests, which
/// compiles this file too. A fixture gives a fresh, empty backing store per test.
/// </summary>
public abstract class HistoryStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Opens a store on this test's backing store (again after a dispose: a reopening), disposed by the fixture.</summary>
    protected abstract Task<IHistoryStore> OpenAsync();

    protected static HistoryRecord Msg(string target, int i, string command = "PRIVMSG")
        => new(target, null, T0.AddSeconds(i), "m" + i, command, "a!a@h", "alice", [target, "text " + i], [new IrcTag("+draft/react", "x;y")], Bot: i % 2 == 0);

    private static async Task<string[]> IdsAsync(IHistoryStore store, HistoryQuery q) => [.. (await store.QueryAsync(q)).Select(r => r.MsgId)];

    [Fact]
    public async Task Records_SurviveReopening_WithEveryField()
    {
        using (var store = await OpenAsync())
        {
            await store.AppendAsync([Msg("#c", 1), Msg("#c", 2), new HistoryRecord("#c", null, T0.AddSeconds(3), "m3", "NOTICE", "b!b@h", null, ["#c", ""])]);
        }
        using var again = await OpenAsync();
        var all = await again.QueryAsync(new HistoryQuery("#c", HistoryDirection.Backward, 10));
        Assert.Equal(["m1", "m2", "m3"], all.Select(r => r.MsgId));
        var r = all[0];
        Assert.Equal("#c", r.Target);
        Assert.Null(r.Correspondent);
        Assert.Equal(T0.AddSeconds(1), r.Time);
        Assert.Equal("PRIVMSG", r.Command);
        Assert.Equal("a!a@h", r.Source);
        Assert.Equal(["#c", "text 1"], r.Parameters);
        Assert.Equal("alice", r.Account);
        Assert.Equal([new IrcTag("+draft/react", "x;y")], r.ClientTags!);
        Assert.False(r.Bot);
        Assert.True(all[1].Bot);
        Assert.True(all[0].Seq > 0 && all[1].Seq > all[0].Seq);
        Assert.Null(all[2].Account);
        Assert.Null(all[2].ClientTags);
        Assert.Equal(["#c", ""], all[2].Parameters);
    }

    [Fact]
    public async Task Ranges_AreExclusive_ReadFromTheRightEnd_AndOldestFirst()
    {
        using var store = await OpenAsync();
        await store.AppendAsync([.. Enumerable.Range(0, 10).Select(i => Msg("#c", i))]);
        var p3 = (await store.FindAsync("#c", "m3"))!.Value;
        var p7 = (await store.FindAsync("#c", "m7"))!.Value;

        Assert.Equal(["m8", "m9"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Backward, 2)));
        Assert.Equal(["m1", "m2"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Backward, 2, Before: p3)));
        Assert.Equal(["m4", "m5"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Forward, 2, After: p3)));
        Assert.Equal(["m4", "m5", "m6"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Forward, 10, After: p3, Before: p7)));
        Assert.Equal(["m5", "m6"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Backward, 2, After: p3, Before: p7)));
        Assert.Equal(["m4"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Forward, 10, After: HistoryPoint.AfterTime(T0.AddSeconds(3)), Before: HistoryPoint.BeforeTime(T0.AddSeconds(5)))));
        Assert.Null(await store.FindAsync("#other", "m3"));
        Assert.Empty(await store.QueryAsync(new HistoryQuery("#other", HistoryDirection.Backward, 10)));
    }

    [Fact]
    public async Task MessagesOfOneMillisecond_KeepTheirOrderOfArrival()
    {
        using var store = await OpenAsync();
        await store.AppendAsync([.. Enumerable.Range(0, 5).Select(i => Msg("#c", i) with { Time = T0, MsgId = "x" + i })]);
        await store.AppendAsync([Msg("#c", 0) with { Time = T0, MsgId = "x5" }]);
        Assert.Equal(["x0", "x1", "x2", "x3", "x4", "x5"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Forward, 10)));
        var p2 = (await store.FindAsync("#c", "x2"))!.Value;
        Assert.Equal(["x3", "x4"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Forward, 2, After: p2)));
        Assert.Equal(["x0", "x1"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Backward, 5, Before: p2)));
    }

    [Fact]
    public async Task Events_AreLeftOut_UnlessAskedFor()
    {
        using var store = await OpenAsync();
        await store.AppendAsync([Msg("#c", 1, "JOIN"), Msg("#c", 2), Msg("#c", 3, "TAGMSG"), Msg("#c", 4, "NOTICE")]);
        Assert.Equal(["m2", "m4"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Backward, 10)));
        Assert.Equal(4, (await store.QueryAsync(new HistoryQuery("#c", HistoryDirection.Backward, 10, IncludeEvents: true))).Count);
    }

    [Fact]
    public async Task Get_FindsOneRecordOfOneTarget()
    {
        using var store = await OpenAsync();
        await store.AppendAsync([Msg("#a", 1), Msg("#b", 2)]);
        Assert.Equal("#a", (await store.GetAsync("#a", "m1"))!.Target);
        Assert.Null(await store.GetAsync("#b", "m1"));
    }

    [Fact]
    public async Task Prune_DropsByAgeAndByCountPerTarget()
    {
        using var store = await OpenAsync();
        await store.AppendAsync([.. Enumerable.Range(0, 10).Select(i => Msg("#a", i)), .. Enumerable.Range(10, 3).Select(i => Msg("#b", i))]);
        await store.PruneAsync(T0.AddSeconds(2), maxPerTarget: 5);
        Assert.Equal(["m5", "m6", "m7", "m8", "m9"], await IdsAsync(store, new HistoryQuery("#a", HistoryDirection.Backward, 100)));
        Assert.Equal(3, (await store.QueryAsync(new HistoryQuery("#b", HistoryDirection.Backward, 100))).Count);
        await store.PruneAsync(T0.AddSeconds(11), maxPerTarget: 0);
        Assert.Empty(await store.QueryAsync(new HistoryQuery("#a", HistoryDirection.Backward, 100)));
        Assert.Equal(["m11", "m12"], await IdsAsync(store, new HistoryQuery("#b", HistoryDirection.Backward, 100)));
    }

    [Fact]
    public async Task Retention_HidesWhatIsPastTheAgeLimit_FromEveryRead_BeforeAnyPrune()
    {
        var clock = new FakeTimeProvider(T0.AddSeconds(100));
        using var store = await OpenAsync();
        store.Retention = new HistoryRetention(TimeSpan.FromSeconds(60), clock);
        await store.AppendAsync([
            .. Enumerable.Range(1, 9).Select(i => Msg("#c", i * 10)),
            Msg("#old", 5),
            Msg("a:bob alice", 10) with { PendingFor = "bob" },
            Msg("a:bob alice", 95) with { PendingFor = "bob" },
        ]);

        // At T0+100 with 60 s kept, T0+40 is the oldest visible time (inclusive).
        Assert.Equal(["m40", "m50", "m60", "m70", "m80", "m90"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Backward, 100)));
        Assert.Equal(["m40", "m50"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Forward, 2)));
        Assert.Equal(["m40", "m50"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Backward, 10, Before: HistoryPoint.BeforeTime(T0.AddSeconds(60)))));
        Assert.Equal(["m40"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Forward, 1, After: HistoryPoint.AfterTime(T0.AddSeconds(10)))));
        Assert.Equal(["m60"], await IdsAsync(store, new HistoryQuery("#c", HistoryDirection.Forward, 1, After: (await store.FindAsync("#c", "m50"))!.Value)));
        Assert.Null(await store.FindAsync("#c", "m30"));
        Assert.Null(await store.GetAsync("#c", "m30"));
        Assert.NotNull(await store.GetAsync("#c", "m40"));
        Assert.Equal(["#c"], (await store.ListTargetsAsync(null, ["#c", "#old"], DateTimeOffset.UnixEpoch, T0.AddDays(1), 10)).Select(t => t.Name));
        Assert.Equal(["m95"], (await store.TakePendingAsync("bob")).Select(r => r.MsgId));
        Assert.Empty(await store.TakePendingAsync("bob"));

        clock.Advance(TimeSpan.FromSeconds(51));
        Assert.Empty(await store.QueryAsync(new HistoryQuery("#c", HistoryDirection.Backward, 100)));
        Assert.Empty(await store.ListTargetsAsync(null, ["#c"], DateTimeOffset.UnixEpoch, T0.AddDays(1), 10));

        // Hidden, not deleted: without the limit the records are there until the pruner runs.
        store.Retention = HistoryRetention.None;
        Assert.Equal(9, (await store.QueryAsync(new HistoryQuery("#c", HistoryDirection.Backward, 100))).Count);
    }

    [Fact]
    public async Task Pending_IsTakenOnce_AndDeleteRemovesEveryCopy()
    {
        using var store = await OpenAsync();
        var toBob = Msg("a:bob alice", 1) with { PendingFor = "bob" };
        await store.AppendAsync([Msg("a:alice bob", 1), toBob, Msg("a:alice bob", 2), Msg("a:bob alice", 2) with { PendingFor = "bob" }]);
        Assert.Equal(2, await store.DeleteAsync("m2"));
        Assert.Equal(0, await store.DeleteAsync("m2"));
        var kept = await store.TakePendingAsync("bob");
        Assert.Equal(["m1"], kept.Select(r => r.MsgId));
        Assert.Equal("a:bob alice", kept[0].Target);
        Assert.Empty(await store.TakePendingAsync("bob"));
        Assert.Equal(["m1"], await IdsAsync(store, new HistoryQuery("a:alice bob", HistoryDirection.Backward, 10)));
    }

    [Fact]
    public async Task Pending_PrunedAway_IsNotHandedOver()
    {
        using var store = await OpenAsync();
        await store.AppendAsync([Msg("a:bob alice", 1) with { PendingFor = "bob" }, Msg("a:bob alice", 5) with { PendingFor = "bob" }]);
        await store.PruneAsync(T0.AddSeconds(3), maxPerTarget: 0);
        Assert.Equal(["m5"], (await store.TakePendingAsync("bob")).Select(r => r.MsgId));
    }

    [Fact]
    public async Task ListTargets_GivesConversationsAndChannels_ByLatestMessage()
    {
        using var store = await OpenAsync();
        var owner = HistoryTargets.AccountOwner("alice");
        await store.AppendAsync([
            Msg(HistoryTargets.Direct(owner, "bob"), 1) with { Correspondent = "bob" },
            Msg(HistoryTargets.Direct(owner, "bob"), 6) with { Correspondent = "Bob" },
            Msg(HistoryTargets.Direct(owner, "carol"), 3) with { Correspondent = "Carol" },
            Msg(HistoryTargets.Direct(owner, "dave"), 4, "JOIN") with { Correspondent = "Dave" },
            Msg(HistoryTargets.Direct(HistoryTargets.AccountOwner("alicia"), "bob"), 2) with { Correspondent = "bob" },
            Msg("#a", 5),
            Msg("#b", 7),
        ]);
        var all = await store.ListTargetsAsync(owner, ["#a", "#b", "#none"], T0, T0.AddSeconds(100), 10);
        Assert.Equal(["Carol", "#a", "Bob", "#b"], all.Select(t => t.Name));
        Assert.Equal(T0.AddSeconds(6), all[2].LatestAt);
        Assert.Equal(HistoryTargets.Direct(owner, "bob"), all[2].Target);

        var window = await store.ListTargetsAsync(owner, ["#a", "#b"], T0.AddSeconds(3), T0.AddSeconds(7), 10);
        Assert.Equal(["#a", "Bob"], window.Select(t => t.Name));
        Assert.Equal(["Carol", "#a"], (await store.ListTargetsAsync(owner, ["#a", "#b"], T0, T0.AddSeconds(100), 2)).Select(t => t.Name));
        Assert.Equal(["#b"], (await store.ListTargetsAsync(null, ["#b"], T0, T0.AddSeconds(100), 10)).Select(t => t.Name));
    }

    [Fact]
    public async Task ReadMarkers_OnlyMoveForward()
    {
        using var store = await OpenAsync();
        Assert.Null(await store.GetReadMarkerAsync("a:alice", "#c"));
        Assert.Equal(T0.AddSeconds(5), await store.SetReadMarkerAsync("a:alice", "#c", T0.AddSeconds(5)));
        Assert.Equal(T0.AddSeconds(5), await store.SetReadMarkerAsync("a:alice", "#c", T0.AddSeconds(2)));
        Assert.Equal(T0.AddSeconds(9), await store.SetReadMarkerAsync("a:alice", "#c", T0.AddSeconds(9)));
        Assert.Equal(T0.AddSeconds(9), await store.GetReadMarkerAsync("a:alice", "#c"));
        Assert.Null(await store.GetReadMarkerAsync("a:bob", "#c"));
    }

    [Fact]
    public async Task ConcurrentAppendsAndReads_LoseNothing()
    {
        using var store = await OpenAsync();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await store.AppendAsync([Msg("#c", i) with { MsgId = $"w{w}-{i}" }, Msg("#d", i) with { MsgId = $"w{w}-{i}" }]);
                await store.QueryAsync(new HistoryQuery("#c", HistoryDirection.Backward, 5));
            }
        }));
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));
        var all = await store.QueryAsync(new HistoryQuery("#c", HistoryDirection.Forward, 1000));
        Assert.Equal(100, all.Count);
        Assert.Equal(100, all.Select(r => r.Seq).Distinct().Count());
    }
}
