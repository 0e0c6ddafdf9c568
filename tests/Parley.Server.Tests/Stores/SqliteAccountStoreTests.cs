using System.Text;
using Parley.Protocol;
using Parley.Server.Storage;

namespace Parley.Server.Tests.Stores;

/// <summary>The account contract on SQLite (<c>parley.db</c> in a temporary data directory), and what only the file has.</summary>
public sealed class SqliteAccountStoreTests : AccountStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parley-store-").FullName;
    private readonly List<IDisposable> _open = [];

    public void Dispose()
    {
        foreach (var d in _open)
        {
            d.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    protected override Task<IAccountStore> OpenAsync(CaseMapping? mapping = null)
    {
        var db = SqliteDatabase.Open(_dir);
        try
        {
            var store = SqliteAccountStore.Open(db, mapping, Time, Iterations, ownsDatabase: true);
            _open.Add(store);
            return Task.FromResult<IAccountStore>(store);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    [Fact]
    public void Open_NewFile_IsInWalModeAtTheLatestSchema()
    {
        var db = SqliteDatabase.Open(_dir);
        _open.Add(db);
        Assert.Equal(SqliteSchema.Migrations.Count, db.SchemaVersion);
        using var connection = db.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "SELECT version FROM schema_version;";
        Assert.Equal((long)SqliteSchema.Migrations.Count, command.ExecuteScalar());
    }

    [Fact]
    public void Open_FileFromANewerParley_Throws()
    {
        using (var db = SqliteDatabase.Open(_dir))
        using (var connection = db.OpenConnection())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE schema_version SET version = 999;";
            command.ExecuteNonQuery();
        }
        var ex = Assert.Throws<InvalidOperationException>(() => SqliteDatabase.Open(_dir));
        Assert.Contains("999", ex.Message);
    }

    [Fact]
    public async Task TheDatabase_NeverHoldsThePassword()
    {
        var store = await OpenAsync();
        const string password = "correct horse battery staple";
        await store.CreateAsync("jilles", password);
        _open.ForEach(d => d.Dispose());
        _open.Clear();
        foreach (var file in Directory.GetFiles(_dir))
        {
            var bytes = File.ReadAllBytes(file);
            Assert.DoesNotContain(password, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(password)));
        }
    }

    [Fact]
    public async Task InMemory_WorksAndIsPrivate()
    {
        using var a = SqliteAccountStore.Open(SqliteDatabase.OpenInMemory(), null, Time, Iterations, ownsDatabase: true);
        using var b = SqliteAccountStore.Open(SqliteDatabase.OpenInMemory(), null, Time, Iterations, ownsDatabase: true);
        await a.CreateAsync("jilles", "sesame");
        Assert.NotNull(await a.VerifyAsync("jilles", "sesame"));
        Assert.Null(await b.GetAsync("jilles"));
    }
}
