using Parley.Server.Storage;

namespace Parley.Server.Tests.Stores;

/// <summary>The history contract on SQLite (<c>history.db</c> in a temporary data directory).</summary>
public sealed class SqliteHistoryStoreTests : HistoryStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parley-history-").FullName;
    private readonly List<IDisposable> _open = [];

    protected override Task<IHistoryStore> OpenAsync()
    {
        var store = SqliteHistoryStore.Open(_dir);
        _open.Add(store);
        return Task.FromResult<IHistoryStore>(store);
    }

    public void Dispose()
    {
        _open.ForEach(d => d.Dispose());
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task InMemory_WorksAndIsPrivate()
    {
        using var a = SqliteHistoryStore.OpenInMemory();
        using var b = SqliteHistoryStore.OpenInMemory();
        await a.AppendAsync([Msg("#c", 1)]);
        Assert.Single(await a.QueryAsync(new HistoryQuery("#c", HistoryDirection.Backward, 10)));
        Assert.Empty(await b.QueryAsync(new HistoryQuery("#c", HistoryDirection.Backward, 10)));
    }

    [Fact]
    public async Task EmptyTexts_AreStoredAsEmpty_NotNull()
    {
        using var store = await OpenAsync();
        await store.AppendAsync([new HistoryRecord("#c", "", T0, "e1", "PRIVMSG", "", "", [""], null), new HistoryRecord("#c", null, T0, "e2", "TAGMSG", "s", null, [])]);
        var all = await store.QueryAsync(new HistoryQuery("#c", HistoryDirection.Forward, 10, IncludeEvents: true));
        Assert.Equal(["e1", "e2"], all.Select(r => r.MsgId));
        Assert.Equal("", all[0].Correspondent);
        Assert.Equal("", all[0].Source);
        Assert.Equal("", all[0].Account);
        Assert.Equal([""], all[0].Parameters);
        Assert.Equal([""], all[1].Parameters);
    }
}
