using Parley.Cluster.Storage;
using Parley.Cluster.Tests.Infrastructure;
using Parley.Protocol;
using Parley.Server.Storage;
using Parley.Server.Tests.Stores;

namespace Parley.Cluster.Tests.Stores;

/// <summary>The account contract on PostgreSQL (a fresh database per test), and what only PostgreSQL has.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresAccountStoreTests(PostgresFixture postgres) : AccountStoreContract, IAsyncLifetime
{
    private readonly List<IDisposable> _open = [];
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await postgres.Server.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        _open.ForEach(d => d.Dispose());
        await postgres.Server.DropDatabaseAsync(_connectionString);
    }

    protected override async Task<IAccountStore> OpenAsync(CaseMapping? mapping = null)
    {
        // Every store has a database (connection pool) of its own, as another node would.
        var db = await PostgresDatabase.OpenAsync(_connectionString);
        try
        {
            var store = await PostgresAccountStore.OpenAsync(db, mapping, Time, Iterations, ownsDatabase: true);
            _open.Add(store);
            return store;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Open_NewDatabase_IsAtTheLatestSchema_AndNodesOpeningAtOnceMigrateOnce()
    {
        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresDatabase.OpenAsync(_connectionString))).WaitAsync(TimeSpan.FromSeconds(30));
        try
        {
            Assert.All(opened, db => Assert.Equal(PostgresSchema.Migrations.Count, db.SchemaVersion));
            await using var read = opened[0].DataSource.CreateCommand("SELECT count(*) FROM parley_schema_version;");
            Assert.Equal(1L, await read.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var db in opened)
            {
                await db.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Open_DatabaseFromANewerParley_SaysSo()
    {
        await (await PostgresDatabase.OpenAsync(_connectionString)).DisposeAsync();
        await using (var db = await PostgresDatabase.OpenAsync(_connectionString))
        await using (var bump = db.DataSource.CreateCommand("UPDATE parley_schema_version SET version = 999;"))
        {
            await bump.ExecuteNonQueryAsync();
        }
        var ex = await Assert.ThrowsAsync<Parley.Server.Hosting.StartupException>(() => PostgresDatabase.OpenAsync(_connectionString));
        Assert.Contains("999", ex.Message);
    }

    [Fact]
    public async Task TheDatabase_NeverHoldsThePassword()
    {
        var store = await OpenAsync();
        const string password = "correct horse battery staple";
        await store.CreateAsync("jilles", password);
        await using var db = await PostgresDatabase.OpenAsync(_connectionString);
        await using var dump = db.DataSource.CreateCommand("SELECT string_agg(a::text, '|') FROM accounts a;");
        var text = (string)(await dump.ExecuteScalarAsync())!;
        Assert.Contains("jilles", text);
        Assert.DoesNotContain(password, text, StringComparison.Ordinal);
    }
}
