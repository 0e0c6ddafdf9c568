namespace Parley.Cli.Tests;

using Parley.Server.Hosting;
using Parley.Server.Storage;

public sealed class AccountCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parley-account-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) RunWithInput(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = AccountCommand.Run([.. args, "--data-dir", _dir], new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private (int Code, string Out, string Err) Run(params string[] args) => RunWithInput("", args);

    [Fact]
    public async Task Create_ThenTheStoreVerifiesThePassword()
    {
        var (code, output, err) = Run("create", "Jilles", "--password", "sesame", "--email", "j@example.org");
        Assert.Equal(0, code);
        Assert.Equal("account Jilles: created\n", output.Replace("\r", "", StringComparison.Ordinal));
        Assert.Empty(err);
        using var store = OpenStore();
        var account = await store.VerifyAsync("jilles", "sesame");
        Assert.NotNull(account);
        Assert.Equal("j@example.org", account.Email);
    }

    [Fact]
    public void Create_Twice_FailsWithExitCode1()
    {
        Assert.Equal(0, Run("create", "jilles", "--password", "sesame").Code);
        var (code, output, err) = Run("create", "JILLES", "--password", "other");
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal("parley account: account JILLES already exists", err.Trim());
    }

    [Theory]
    [InlineData("-")]
    [InlineData(null)]
    public async Task Create_PasswordFromStandardInput(string? flag)
    {
        string[] args = flag is null ? ["create", "jilles"] : ["create", "jilles", "--password", flag];
        Assert.Equal(0, RunWithInput("from stdin\n", args).Code);
        using var store = OpenStore();
        Assert.NotNull(await store.VerifyAsync("jilles", "from stdin"));
    }

    [Fact]
    public async Task Passwd_ChangesThePassword()
    {
        Run("create", "jilles", "--password", "sesame");
        Assert.Equal(0, Run("passwd", "jilles", "--password=millet").Code);
        using var store = OpenStore();
        Assert.Null(await store.VerifyAsync("jilles", "sesame"));
        Assert.NotNull(await store.VerifyAsync("jilles", "millet"));
        Assert.Equal(1, Run("passwd", "nobody", "--password", "x").Code);
    }

    [Fact]
    public void DeleteAndList()
    {
        Run("create", "bob", "--password", "x");
        Run("create", "alice", "--password", "x", "--email", "a@example.org");
        var list = Run("list");
        Assert.Equal(0, list.Code);
        var lines = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("alice\t", lines[0]);
        Assert.EndsWith("\ta@example.org", lines[0].TrimEnd());
        Assert.StartsWith("bob\t", lines[1]);

        Assert.Equal(0, Run("delete", "BOB").Code);
        Assert.Equal(1, Run("delete", "bob").Code);
        Assert.DoesNotContain("bob", Run("list").Out);
    }

    [Theory]
    [InlineData]
    [InlineData("frobnicate")]
    [InlineData("create")]
    [InlineData("create", "jilles", "--bogus")]
    [InlineData("create", "jilles", "extra", "--password", "x")]
    [InlineData("create", "1nvalid", "--password", "x")]
    [InlineData("create", "jilles", "--password", "bad\tpassword")]
    [InlineData("delete", "jilles", "--password", "x")]
    [InlineData("list", "jilles")]
    [InlineData("create", "jilles", "--password")]
    public void BadUsage_PrintsOneLineAndExits2(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = AccountCommand.Run(args.Length == 0 ? [] : [.. args, "--data-dir", _dir], new StringReader(""), stdout, stderr);
        Assert.Equal(2, code);
        if (args.Length > 0)
        {
            var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith("parley account: ", lines[0]);
        }
    }

    [Fact]
    public void Create_NoPasswordAnywhere_Exits2()
    {
        var (code, _, err) = Run("create", "jilles");
        Assert.Equal(2, code);
        Assert.Contains("standard input", err);
    }

    [Fact]
    public void ListOrDelete_WithoutADatabase_Exits1()
    {
        var (code, _, err) = Run("list");
        Assert.Equal(1, code);
        Assert.Contains("no accounts database", err);
    }

    [Fact]
    public async Task WhileTheServerRuns_TheServerSeesTheAccountAtOnce()
    {
        var app = ParleyServer.Build(new ServerOptions { Listen = ["127.0.0.1:0"], DataDir = _dir }, logging: _ => { });
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        try
        {
            Assert.Equal(0, Run("create", "jilles", "--password", "sesame").Code);
            var context = (Parley.Server.ServerContext)app.Services.GetService(typeof(Parley.Server.ServerContext))!;
            Assert.NotNull(await context.Accounts.VerifyAsync("jilles", "sesame"));
            Assert.Equal(0, Run("delete", "jilles").Code);
            Assert.Null(await context.Accounts.GetAsync("jilles"));
        }
        finally
        {
            await app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await app.DisposeAsync();
        }
    }

    [Fact]
    public void Help_PrintsUsageAndExits0()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, AccountCommand.Run(["--help"], new StringReader(""), stdout, new StringWriter()));
        Assert.Contains("passwd NAME", stdout.ToString());
    }

    private SqliteAccountStore OpenStore()
        => SqliteAccountStore.Open(SqliteDatabase.Open(_dir), null, TimeProvider.System, ownsDatabase: true);
}
