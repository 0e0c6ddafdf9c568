using Parley.Protocol;
using Parley.Server.Storage;

namespace Parley.Server.Tests.History;

public sealed class SqliteHistoryStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parley-history-").FullName;
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static HistoryRecord Msg(string target, int i, string command = "PRIVMSG")
        => new(target, null, T0.AddSeconds(i), "m" + i, command, "a!a@h", "alice", [target, "text " + i], [new IrcTag("+draft/react", "x;y")], Bot: i % 2 == 0);

    [Fact]
    public async Task Records_SurviveReopening_WithEveryField()
    {
        using (var store = SqliteHistoryStore.Open(_dir))
        {
            await store.AppendAsync([Msg("#c", 1), Msg("#c", 2)]);
        }
        using var again = SqliteHistoryStore.Open(_dir);
        var all = await again.QueryAsync(new HistoryQuery("#c", HistoryDirection.Backward, 10));
        Assert.Equal(["m1", "m2"], all.Select(r => r.MsgId));
        var r = all[0];
        Assert.Equal(T0.AddSeconds(1), r.Time);
        Assert.Equal(["#c", "text 1"], r.Parameters);
        Assert.Equal("alice", r.Account);
        Assert.Equal([new IrcTag("+draft/react", "x;y")], r.ClientTags!);
        Assert.False(r.Bot);
        Assert.True(all[1].Bot);
    }

    [Fact]
    public async Task Ranges_AreExclusive_ReadFromTheRightEnd_AndOldestFirst()
    {
        using var store = SqliteHistoryStore.Open(_dir);
        await store.AppendAsync([.. Enumerable.Range(0, 10).Select(i => Msg("#c", i))]);
        var p3 = (await store.FindAsync("#c", "m3"))!.Value;
        var p7 = (await store.FindAsync("#c", "m7"))!.Value;
        async Task<string[]> Q(HistoryQuery q) => [.. (await store.QueryAsync(q)).Select(r => r.MsgId)];

        Assert.Equal(["m8", "m9"], await Q(new HistoryQuery("#c", HistoryDirection.Backward, 2)));
        Assert.Equal(["m1", "m2"], await Q(new HistoryQuery("#c", HistoryDirection.Backward, 2, Before: p3)));
        Assert.Equal(["m4", "m5"], await Q(new HistoryQuery("#c", HistoryDirection.Forward, 2, After: p3)));
        Assert.Equal(["m4", "m5", "m6"], await Q(new HistoryQuery("#c", HistoryDirection.Forward, 10, After: p3, Before: p7)));
        Assert.Equal(["m5", "m6"], await Q(new HistoryQuery("#c", HistoryDirection.Backward, 2, After: p3, Before: p7)));
        Assert.Equal(["m4"], await Q(new HistoryQuery("#c", HistoryDirection.Forward, 10, After: HistoryPoint.AfterTime(T0.AddSeconds(3)), Before: HistoryPoint.BeforeTime(T0.AddSeconds(5)))));
        Assert.Null(await store.FindAsync("#other", "m3"));
    }

    [Fact]
    public async Task Events_AreLeftOut_UnlessAskedFor()
    {
        using var store = SqliteHistoryStore.Open(_dir);
        await store.AppendAsync([Msg("#c", 1, "JOIN"), Msg("#c", 2), Msg("#c", 3, "TAGMSG"), Msg("#c", 4, "NOTICE")]);
        Assert.Equal(["m2", "m4"], (await store.QueryAsync(new HistoryQuery("#c", HistoryDirection.Backward, 10))).Select(r => r.MsgId));
        Assert.Equal(4, (await store.QueryAsync(new HistoryQuery("#c", HistoryDirection.Backward, 10, IncludeEvents: true))).Count);
    }

    [Fact]
    public async Task Prune_DropsByAgeAndByCountPerTarget()
    {
        using var store = SqliteHistoryStore.Open(_dir);
        await store.AppendAsync([.. Enumerable.Range(0, 10).Select(i => Msg("#a", i)), .. Enumerable.Range(10, 3).Select(i => Msg("#b", i))]);
        await store.PruneAsync(T0.AddSeconds(2), maxPerTarget: 5);
        Assert.Equal(["m5", "m6", "m7", "m8", "m9"], (await store.QueryAsync(new HistoryQuery("#a", HistoryDirection.Backward, 100))).Select(r => r.MsgId));
        Assert.Equal(3, (await store.QueryAsync(new HistoryQuery("#b", HistoryDirection.Backward, 100))).Count);
        await store.PruneAsync(T0.AddSeconds(11), maxPerTarget: 0);
        Assert.Empty(await store.QueryAsync(new HistoryQuery("#a", HistoryDirection.Backward, 100)));
        Assert.Equal(["m11", "m12"], (await store.QueryAsync(new HistoryQuery("#b", HistoryDirection.Backward, 100))).Select(r => r.MsgId));
    }

    [Fact]
    public async Task Pending_IsTakenOnce_AndDeleteRemovesEveryCopy()
    {
        using var store = SqliteHistoryStore.Open(_dir);
        var toBob = Msg("a:bob alice", 1) with { PendingFor = "bob" };
        await store.AppendAsync([Msg("a:alice bob", 1), toBob, Msg("a:alice bob", 2), Msg("a:bob alice", 2) with { PendingFor = "bob" }]);
        await store.DeleteAsync("m2");
        var kept = await store.TakePendingAsync("bob");
        Assert.Equal(["m1"], kept.Select(r => r.MsgId));
        Assert.Empty(await store.TakePendingAsync("bob"));
        Assert.Equal(["m1"], (await store.QueryAsync(new HistoryQuery("a:alice bob", HistoryDirection.Backward, 10))).Select(r => r.MsgId));
    }
}
