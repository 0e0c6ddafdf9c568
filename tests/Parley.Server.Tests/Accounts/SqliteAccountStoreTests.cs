using System.Text;
using Microsoft.Extensions.Time.Testing;
using Parley.Protocol;
using Parley.Server.Storage;

namespace Parley.Server.Tests.Accounts;

public sealed class SqliteAccountStoreTests : IDisposable
{
    private const int Iterations = 4096;

    private readonly string _dir = Directory.CreateTempSubdirectory("parley-store-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IDisposable> _open = [];

    public void Dispose()
    {
        foreach (var d in _open)
        {
            d.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    private SqliteAccountStore Open(CaseMapping? mapping = null)
    {
        var store = SqliteAccountStore.Open(SqliteDatabase.Open(_dir), mapping, _time, Iterations, ownsDatabase: true);
        _open.Add(store);
        return store;
    }

    [Fact]
    public async Task Create_ThenVerify_AcceptsOnlyThePassword()
    {
        var store = Open();
        Assert.Equal(AccountResult.Ok, await store.CreateAsync("Jilles", "sesame", "j@example.org"));

        var ok = await store.VerifyAsync("jilles", "sesame");
        Assert.NotNull(ok);
        Assert.Equal("Jilles", ok.Name);
        Assert.Equal("j@example.org", ok.Email);
        Assert.Equal(_time.GetUtcNow(), ok.CreatedAt);
        Assert.Null(await store.VerifyAsync("jilles", "millet"));
        Assert.Null(await store.VerifyAsync("jilles", ""));
        Assert.Null(await store.VerifyAsync("nobody", "sesame"));
    }

    [Theory]
    [InlineData("jilles")]
    [InlineData("JILLES")]
    [InlineData("JiLLeS")]
    public async Task Create_SameNameInAnotherCase_AlreadyExists(string second)
    {
        var store = Open();
        Assert.Equal(AccountResult.Ok, await store.CreateAsync("Jilles", "sesame"));
        Assert.Equal(AccountResult.AlreadyExists, await store.CreateAsync(second, "other"));
        Assert.Equal("Jilles", (await store.GetAsync(second))!.Name);
    }

    [Fact]
    public async Task Create_Rfc1459Mapping_FoldsBracketsAsBraces()
    {
        var store = Open(CaseMapping.Rfc1459);
        Assert.Equal(AccountResult.Ok, await store.CreateAsync("a[b]", "pw"));
        Assert.Equal(AccountResult.AlreadyExists, await store.CreateAsync("A{B}", "pw"));
        Assert.NotNull(await store.GetAsync("a{b}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("a b")]
    [InlineData("#chan")]
    [InlineData("a,b")]
    public async Task Create_InvalidName_IsRefused(string name)
    {
        var store = Open();
        Assert.Equal(AccountResult.InvalidName, await store.CreateAsync(name, "sesame"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData("nul\0here")]
    public async Task Create_InvalidPassword_IsRefused(string password)
    {
        var store = Open();
        Assert.Equal(AccountResult.InvalidPassword, await store.CreateAsync("jilles", password));
        Assert.Null(await store.GetAsync("jilles"));
    }

    [Fact]
    public async Task SetPassword_ReplacesTheCredentials()
    {
        var store = Open();
        await store.CreateAsync("jilles", "sesame");
        Assert.Equal(AccountResult.Ok, await store.SetPasswordAsync("JILLES", "millet"));
        Assert.Null(await store.VerifyAsync("jilles", "sesame"));
        Assert.NotNull(await store.VerifyAsync("jilles", "millet"));
        Assert.Equal(AccountResult.NotFound, await store.SetPasswordAsync("nobody", "x"));
    }

    [Fact]
    public async Task Delete_RemovesTheAccount()
    {
        var store = Open();
        await store.CreateAsync("jilles", "sesame");
        Assert.Equal(AccountResult.Ok, await store.DeleteAsync("Jilles"));
        Assert.Null(await store.GetAsync("jilles"));
        Assert.Equal(AccountResult.NotFound, await store.DeleteAsync("jilles"));
        Assert.Equal(AccountResult.Ok, await store.CreateAsync("jilles", "new"));
    }

    [Fact]
    public async Task List_GivesEveryAccountByFoldedName()
    {
        var store = Open();
        await store.CreateAsync("bob", "x");
        await store.CreateAsync("Alice", "x", "alice@example.org");
        var list = await store.ListAsync();
        Assert.Equal(["Alice", "bob"], list.Select(a => a.Name));
        Assert.Equal("alice@example.org", list[0].Email);
        Assert.Null(list[1].Email);
    }

    [Fact]
    public async Task TwoStoresOnOneFile_SeeEachOthersWritesAtOnce()
    {
        var server = Open(CaseMapping.Rfc1459);
        var cli = Open();
        Assert.Equal(CaseMapping.Rfc1459, cli.CaseMapping);

        Assert.Equal(AccountResult.Ok, await cli.CreateAsync("jilles", "sesame"));
        Assert.NotNull(await server.VerifyAsync("jilles", "sesame"));

        await cli.SetPasswordAsync("jilles", "millet");
        Assert.NotNull(await server.VerifyAsync("jilles", "millet"));

        Assert.Equal(AccountResult.AlreadyExists, await server.CreateAsync("JILLES", "x"));
        await cli.DeleteAsync("jilles");
        Assert.Null(await server.GetAsync("jilles"));
    }

    [Fact]
    public async Task ConcurrentWritersOnOneFile_AllSucceed()
    {
        var a = Open();
        var b = Open();
        var tasks = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? a : b).CreateAsync("user" + i, "pw"))).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(results, r => Assert.Equal(AccountResult.Ok, r));
        Assert.Equal(20, (await a.ListAsync()).Count);
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
    public async Task Open_WithAnotherCaseMapping_RefoldsNames()
    {
        var ascii = Open(CaseMapping.Ascii);
        await ascii.CreateAsync("a[b]", "pw");
        Assert.Null(await ascii.GetAsync("a{b}"));

        var rfc = Open(CaseMapping.Rfc1459);
        Assert.NotNull(await rfc.GetAsync("A{B}"));
    }

    [Fact]
    public async Task Open_RefoldThatWouldMergeTwoAccounts_Throws()
    {
        var ascii = Open(CaseMapping.Ascii);
        await ascii.CreateAsync("a[b]", "pw");
        await ascii.CreateAsync("a{b}", "pw");
        var ex = Assert.Throws<InvalidOperationException>(() => SqliteAccountStore.Open(SqliteDatabase.Open(_dir), CaseMapping.Rfc1459, _time));
        Assert.Contains("a[b]", ex.Message);
        Assert.NotNull(await ascii.GetAsync("a[b]"));
    }

    [Fact]
    public async Task TheDatabase_NeverHoldsThePassword()
    {
        var store = Open();
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
        using var a = SqliteAccountStore.Open(SqliteDatabase.OpenInMemory(), null, _time, Iterations, ownsDatabase: true);
        using var b = SqliteAccountStore.Open(SqliteDatabase.OpenInMemory(), null, _time, Iterations, ownsDatabase: true);
        await a.CreateAsync("jilles", "sesame");
        Assert.NotNull(await a.VerifyAsync("jilles", "sesame"));
        Assert.Null(await b.GetAsync("jilles"));
    }
}
