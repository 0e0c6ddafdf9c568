using Parley.Cluster.Storage;
using Parley.Cluster.Tests.Infrastructure;
using Parley.Server.Storage;
using Parley.Server.Tests.Stores;

namespace Parley.Cluster.Tests.Stores;

/// <summary>The history contract on PostgreSQL (a fresh database per test).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresHistoryStoreTests(PostgresFixture postgres) : HistoryStoreContract, IAsyncLifetime
{
    private readonly List<IDisposable> _open = [];
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await postgres.Server.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        _open.ForEach(d => d.Dispose());
        await postgres.Server.DropDatabaseAsync(_connectionString);
    }

    protected override async Task<IHistoryStore> OpenAsync()
    {
        var store = new PostgresHistoryStore(await PostgresDatabase.OpenAsync(_connectionString), ownsDatabase: true);
        _open.Add(store);
        return store;
    }

    [Fact]
    public async Task TwoNodes_ReadEachOthersHistory_InOneOrderOfArrival()
    {
        using var a = await OpenAsync();
        using var b = await OpenAsync();
        await a.AppendAsync([Msg("#c", 1)]);
        await b.AppendAsync([Msg("#c", 2)]);
        await a.AppendAsync([Msg("#c", 3)]);
        var fromB = await b.QueryAsync(new HistoryQuery("#c", HistoryDirection.Forward, 10));
        Assert.Equal(["m1", "m2", "m3"], fromB.Select(r => r.MsgId));
        Assert.True(fromB[0].Seq < fromB[1].Seq && fromB[1].Seq < fromB[2].Seq);
    }
}
