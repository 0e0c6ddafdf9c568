using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>Two node processes of one cluster on a fresh database, shared by the tests of a class.</summary>
public sealed class TwoNodeFixture : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private string _connectionString = "";

    /// <summary>The cluster's database.</summary>
    public string ConnectionString => _connectionString;

    public NodeProcess One { get; private set; } = null!;
    public NodeProcess Two { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _connectionString = await _postgres.Server.CreateDatabaseAsync();
        var nodes = await NodeProcess.StartAllAsync(_connectionString, "one.parley.test", "two.parley.test");
        (One, Two) = (nodes[0], nodes[1]);
    }

    public async Task DisposeAsync()
    {
        if (One is not null)
        {
            await One.DisposeAsync();
        }
        if (Two is not null)
        {
            await Two.DisposeAsync();
        }
        await _postgres.DisposeAsync();
    }
}
