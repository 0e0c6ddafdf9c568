using System.Net;
using System.Net.Sockets;
using Npgsql;
using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary><c>parley serve --cluster</c> as real processes: nodes join one cluster; bad configuration is one line and exit 2.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ServeClusterTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await postgres.Server.CreateDatabaseAsync();

    public Task DisposeAsync() => postgres.Server.DropDatabaseAsync(_connectionString);

    [Fact]
    public async Task TwoNodes_StartingAtOnceOnAFreshDatabase_JoinOneCluster()
    {
        var starting = new[] { "one.parley.test", "two.parley.test" }.Select(n => NodeProcess.StartAsync(_connectionString, n)).ToArray();
        try
        {
            var nodes = await Task.WhenAll(starting).WaitAsync(NodeProcess.StartTimeout);

            await using var db = NpgsqlDataSource.Create(_connectionString);
            await using var read = db.CreateCommand("SELECT siloname, port FROM orleansmembershiptable WHERE status = 3 ORDER BY siloname;");
            await using var reader = await read.ExecuteReaderAsync();
            var active = new List<(string, int)>();
            while (await reader.ReadAsync())
            {
                active.Add((reader.GetString(0), reader.GetInt32(1)));
            }
            Assert.Equal([("one.parley.test", nodes[0].SiloPort), ("two.parley.test", nodes[1].SiloPort)], active);
        }
        finally
        {
            foreach (var t in starting)
            {
                if (t.IsCompletedSuccessfully)
                {
                    await (await t).DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task ASingleNode_NeverLoadsOrleansOrNpgsql_AClusterNodeDoes()
    {
        await using (var single = await NodeProcess.StartSingleAsync("single.parley.test"))
        {
            var maps = single.MappedFiles;
            Assert.Contains("Parley.Server.dll", maps, StringComparison.Ordinal);
            Assert.DoesNotContain("Orleans", maps, StringComparison.Ordinal);
            Assert.DoesNotContain("Npgsql", maps, StringComparison.Ordinal);
        }
        await using var node = await NodeProcess.StartAsync(_connectionString, "node.parley.test");
        Assert.Contains("Orleans.Runtime.dll", node.MappedFiles, StringComparison.Ordinal);
        Assert.Contains("Npgsql.dll", node.MappedFiles, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongPassword_OneLine_Exit2()
    {
        var wrong = new NpgsqlConnectionStringBuilder(_connectionString) { Password = "not-the-password" }.ConnectionString;
        var (code, error) = await RunAsync(wrong, NodeProcess.FreePort());
        Assert.Equal(2, code);
        Assert.Matches(@"^parley serve: PostgreSQL at 127\.0\.0\.1:\d+, database 't_\w+': login refused for user 'parley' \(.*\)\n?$", error);
    }

    [Fact]
    public async Task UnreachableDatabase_OneLine_Exit2()
    {
        var port = NodeProcess.FreePort();
        var (code, error) = await RunAsync($"Host=127.0.0.1;Port={port};Database=parley;Username=parley;Password=x", NodeProcess.FreePort());
        Assert.Equal(2, code);
        Assert.Matches($@"^parley serve: PostgreSQL at 127\.0\.0\.1:{port}, database 'parley': cannot connect \(.*\)\n?$", error);
    }

    [Fact]
    public async Task MissingDatabase_OneLine_Exit2()
    {
        var missing = new NpgsqlConnectionStringBuilder(_connectionString) { Database = "no_such_db" }.ConnectionString;
        var (code, error) = await RunAsync(missing, NodeProcess.FreePort());
        Assert.Equal(2, code);
        Assert.Matches(@"^parley serve: PostgreSQL at .*, database 'no_such_db': no such database\n?$", error);
    }

    [Fact]
    public async Task SiloPortTaken_OneLine_Exit2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (code, error) = await RunAsync(_connectionString, port);
        Assert.Equal(2, code);
        Assert.Matches($@"^parley serve: cannot listen for the other nodes on 127\.0\.0\.1:{port}: .*\n?$", error);
    }

    [Theory]
    [InlineData("*:11111")]
    [InlineData("127.0.0.1:0")]
    [InlineData("nonsense")]
    public async Task BadSiloAddress_OneLine_Exit2(string silo)
    {
        var dir = Directory.CreateTempSubdirectory("parley-node-").FullName;
        try
        {
            var (code, error) = await NodeProcess.RunToEndAsync(RunTimeout,
                "serve", "--cluster", _connectionString, "--silo-listen", silo, "--listen", "127.0.0.1:0", "--no-http", "--data-dir", dir);
            Assert.Equal(2, code);
            Assert.Matches(@"^parley serve: --silo-listen: .*\n?$", error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(int Code, string Error)> RunAsync(string connectionString, int siloPort)
    {
        var dir = Directory.CreateTempSubdirectory("parley-node-").FullName;
        try
        {
            return await NodeProcess.RunToEndAsync(RunTimeout,
                "serve", "--cluster", connectionString, "--silo-listen", $"127.0.0.1:{siloPort}", "--listen", "127.0.0.1:0", "--no-http", "--data-dir", dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
