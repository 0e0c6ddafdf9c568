using Microsoft.Extensions.Time.Testing;
using Parley.Protocol;
using Parley.Server.Storage;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// What every <see cref="IAccountStore"/> guarantees, written once and run against each back end:
/// SQLite here (SqliteAccountStoreTests), PostgreSQL in Parley.Cluster.Tests, which
/// compiles this file too. A fixture gives a fresh, empty backing store per test.
/// </summary>
public abstract class AccountStoreContract
{
    /// <summary>Few PBKDF2 rounds: the tests are about storage, not hashing cost.</summary>
    protected const int Iterations = 4096;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// Opens a store on this test's backing store (every call: the same file or database, as a
    /// second process or node would), disposed by the fixture. Throws what opening throws.
    /// </summary>
    protected abstract Task<IAccountStore> OpenAsync(CaseMapping? mapping = null);

    [Fact]
    public async Task Create_ThenVerify_AcceptsOnlyThePassword()
    {
        var store = await OpenAsync();
        Assert.Equal(AccountResult.Ok, await store.CreateAsync("Jilles", "sesame", "j@example.org"));

        var ok = await store.VerifyAsync("jilles", "sesame");
        Assert.NotNull(ok);
        Assert.Equal("Jilles", ok.Name);
        Assert.Equal("j@example.org", ok.Email);
        Assert.Equal(Time.GetUtcNow(), ok.CreatedAt);
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
        var store = await OpenAsync();
        Assert.Equal(AccountResult.Ok, await store.CreateAsync("Jilles", "sesame"));
        Assert.Equal(AccountResult.AlreadyExists, await store.CreateAsync(second, "other"));
        Assert.Equal("Jilles", (await store.GetAsync(second))!.Name);
    }

    [Fact]
    public async Task Create_Rfc1459Mapping_FoldsBracketsAsBraces()
    {
        var store = await OpenAsync(CaseMapping.Rfc1459);
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
        var store = await OpenAsync();
        Assert.Equal(AccountResult.InvalidName, await store.CreateAsync(name, "sesame"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData("nul\0here")]
    public async Task Create_InvalidPassword_IsRefused(string password)
    {
        var store = await OpenAsync();
        Assert.Equal(AccountResult.InvalidPassword, await store.CreateAsync("jilles", password));
        Assert.Null(await store.GetAsync("jilles"));
    }

    [Fact]
    public async Task SetPassword_ReplacesTheCredentials()
    {
        var store = await OpenAsync();
        await store.CreateAsync("jilles", "sesame");
        Assert.Equal(AccountResult.Ok, await store.SetPasswordAsync("JILLES", "millet"));
        Assert.Null(await store.VerifyAsync("jilles", "sesame"));
        Assert.NotNull(await store.VerifyAsync("jilles", "millet"));
        Assert.Equal(AccountResult.NotFound, await store.SetPasswordAsync("nobody", "x"));
        Assert.Equal(AccountResult.InvalidPassword, await store.SetPasswordAsync("jilles", ""));
    }

    [Fact]
    public async Task AlwaysOn_IsKeptPerAccountAndCanBeReset()
    {
        var store = await OpenAsync();
        await store.CreateAsync("jilles", "sesame");
        Assert.Null((await store.GetAsync("jilles"))!.AlwaysOn);
        Assert.Equal(AccountResult.Ok, await store.SetAlwaysOnAsync("JILLES", true));
        Assert.True((await store.VerifyAsync("jilles", "sesame"))!.AlwaysOn);
        Assert.Equal(AccountResult.Ok, await store.SetAlwaysOnAsync("jilles", false));
        Assert.False((await store.GetAsync("jilles"))!.AlwaysOn);
        Assert.Equal(AccountResult.Ok, await store.SetAlwaysOnAsync("jilles", null));
        Assert.Null((await store.GetAsync("jilles"))!.AlwaysOn);
        Assert.Equal(AccountResult.NotFound, await store.SetAlwaysOnAsync("nobody", true));
    }

    [Fact]
    public async Task AutoreplayMissed_IsKeptPerAccount_OnByDefault()
    {
        var store = await OpenAsync();
        await store.CreateAsync("jilles", "sesame");
        var fresh = (await store.GetAsync("jilles"))!;
        Assert.Null(fresh.AutoreplayMissed);
        Assert.True(fresh.ReplaysMissed);
        Assert.Equal(AccountResult.Ok, await store.SetAutoreplayMissedAsync("JILLES", false));
        Assert.False((await store.VerifyAsync("jilles", "sesame"))!.ReplaysMissed);
        Assert.Null((await store.GetAsync("jilles"))!.AlwaysOn);
        Assert.Equal(AccountResult.Ok, await store.SetAlwaysOnAsync("jilles", true));
        Assert.False((await store.GetAsync("jilles"))!.AutoreplayMissed);
        Assert.Equal(AccountResult.Ok, await store.SetAutoreplayMissedAsync("jilles", true));
        Assert.True((await store.GetAsync("jilles"))!.AutoreplayMissed);
        Assert.Equal(AccountResult.Ok, await store.SetAutoreplayMissedAsync("jilles", null));
        Assert.Null((await store.GetAsync("jilles"))!.AutoreplayMissed);
        Assert.Equal(AccountResult.NotFound, await store.SetAutoreplayMissedAsync("nobody", false));
    }

    [Fact]
    public async Task Delete_RemovesTheAccount()
    {
        var store = await OpenAsync();
        await store.CreateAsync("jilles", "sesame");
        Assert.Equal(AccountResult.Ok, await store.DeleteAsync("Jilles"));
        Assert.Null(await store.GetAsync("jilles"));
        Assert.Equal(AccountResult.NotFound, await store.DeleteAsync("jilles"));
        Assert.Equal(AccountResult.Ok, await store.CreateAsync("jilles", "new"));
    }

    [Fact]
    public async Task List_GivesEveryAccountByFoldedName()
    {
        var store = await OpenAsync();
        await store.CreateAsync("bob", "x");
        await store.CreateAsync("Alice", "x", "alice@example.org");
        var list = await store.ListAsync();
        Assert.Equal(["Alice", "bob"], list.Select(a => a.Name));
        Assert.Equal("alice@example.org", list[0].Email);
        Assert.Null(list[1].Email);
    }

    [Fact]
    public async Task CertFps_AreAddedFoundListedAndRemoved()
    {
        var store = await OpenAsync();
        await store.CreateAsync("jilles", "sesame");
        await store.CreateAsync("bob", "x");
        var fp = new string('a', 64);
        var other = new string('b', 64);
        Assert.Equal(AccountResult.Ok, await store.AddCertFpAsync("JILLES", fp.ToUpperInvariant()));
        Assert.Equal(AccountResult.Ok, await store.AddCertFpAsync("jilles", other));
        Assert.Equal(AccountResult.AlreadyExists, await store.AddCertFpAsync("bob", fp));
        Assert.Equal(AccountResult.NotFound, await store.AddCertFpAsync("nobody", new string('c', 64)));
        Assert.Equal(AccountResult.InvalidName, await store.AddCertFpAsync("jilles", "not hex"));

        Assert.Equal([fp, other], await store.ListCertFpsAsync("jilles"));
        Assert.Equal("jilles", (await store.FindByCertFpAsync(fp))!.Name);
        Assert.Null(await store.FindByCertFpAsync(new string('c', 64)));

        Assert.Equal(AccountResult.Ok, await store.RemoveCertFpAsync("jilles", other));
        Assert.Equal(AccountResult.NotFound, await store.RemoveCertFpAsync("jilles", other));
        Assert.Equal([fp], await store.ListCertFpsAsync("jilles"));
    }

    [Fact]
    public async Task Delete_ForgetsTheCertFps()
    {
        var store = await OpenAsync();
        await store.CreateAsync("jilles", "sesame");
        var fp = new string('a', 64);
        await store.AddCertFpAsync("jilles", fp);
        await store.DeleteAsync("jilles");
        Assert.Null(await store.FindByCertFpAsync(fp));
        await store.CreateAsync("bob", "x");
        Assert.Equal(AccountResult.Ok, await store.AddCertFpAsync("bob", fp));
    }

    [Fact]
    public async Task TwoStoresOnOneBackingStore_SeeEachOthersWritesAtOnce()
    {
        var server = await OpenAsync(CaseMapping.Rfc1459);
        var cli = await OpenAsync();
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
    public async Task ConcurrentWriters_AllSucceed_AndOneNameIsCreatedOnce()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();
        var tasks = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? a : b).CreateAsync("user" + i, "pw"))).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(results, r => Assert.Equal(AccountResult.Ok, r));
        Assert.Equal(20, (await a.ListAsync()).Count);

        var race = Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? a : b).CreateAsync(i % 3 == 0 ? "Racer" : "racer", "pw"))).ToArray();
        var raced = await Task.WhenAll(race).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(raced, r => r == AccountResult.Ok);
        Assert.Equal(9, raced.Count(r => r == AccountResult.AlreadyExists));
    }

    [Fact]
    public async Task Open_WithAnotherCaseMapping_RefoldsNames()
    {
        var ascii = await OpenAsync(CaseMapping.Ascii);
        await ascii.CreateAsync("a[b]", "pw");
        Assert.Null(await ascii.GetAsync("a{b}"));

        var rfc = await OpenAsync(CaseMapping.Rfc1459);
        Assert.NotNull(await rfc.GetAsync("A{B}"));
    }

    [Fact]
    public async Task Open_RefoldThatWouldMergeTwoAccounts_Throws()
    {
        var ascii = await OpenAsync(CaseMapping.Ascii);
        await ascii.CreateAsync("a[b]", "pw");
        await ascii.CreateAsync("a{b}", "pw");
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenAsync(CaseMapping.Rfc1459));
        Assert.Contains("a[b]", ex.Message);
        Assert.NotNull(await ascii.GetAsync("a[b]"));
        Assert.Equal(CaseMapping.Ascii, (await OpenAsync()).CaseMapping);
    }
}
