namespace Parley.Cluster.Tests.Infrastructure;

/// <summary>
/// The tests that need PostgreSQL share one private instance (started once, stopped after the
/// last of them, whatever their outcome); each test makes its own database in it.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>Holds the <see cref="PrivatePostgres"/> of <see cref="PostgresCollection"/>.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PrivatePostgres? _server;

    public PrivatePostgres Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await PrivatePostgres.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
