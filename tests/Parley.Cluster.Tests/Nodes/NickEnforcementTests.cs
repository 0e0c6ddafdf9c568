using System.Text.RegularExpressions;
using Parley.Cluster.Storage;
using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>Nick enforcement's guest rename in a cluster: the guest nick is claimed network-wide too.</summary>
[Collection(PostgresCollection.Name)]
public sealed partial class NickEnforcementTests(PostgresFixture postgres) : IAsyncLifetime
{
    private string _connectionString = "";
    private string _config = "";

    public async Task InitializeAsync()
    {
        _connectionString = await postgres.Server.CreateDatabaseAsync();
        _config = Path.Combine(Directory.CreateTempSubdirectory("parley-config-").FullName, "parley.json");
        await File.WriteAllTextAsync(_config, """{ "Server": { "Accounts": { "NickEnforcementSeconds": 1 } } }""");
    }

    public async Task DisposeAsync()
    {
        Directory.Delete(Path.GetDirectoryName(_config)!, recursive: true);
        await postgres.Server.DropDatabaseAsync(_connectionString);
    }

    [Fact]
    public async Task AGuestRename_ClaimsTheGuestNick_OnEveryNode()
    {
        await using (var db = await PostgresDatabase.OpenAsync(_connectionString))
        using (var accounts = await PostgresAccountStore.OpenAsync(db, null, TimeProvider.System, iterations: 4096))
        {
            await accounts.CreateAsync("owner", "sesame");
        }
        var nodes = await Task.WhenAll(
            NodeProcess.StartAsync(_connectionString, "one.parley.test", "--config", _config),
            NodeProcess.StartAsync(_connectionString, "two.parley.test", "--config", _config)).WaitAsync(NodeProcess.StartTimeout);
        await using var one = nodes[0];
        await using var two = nodes[1];

        // Taking a registered account's nick without logging in: renamed to a guest nick by the sweeper.
        await using var squatter = await IrcLineClient.RegisterAsync(one.Port, "owner");
        var rename = await squatter.ExpectAsync(l => l.Contains(" NICK ", StringComparison.Ordinal));
        var guest = GuestRegex().Match(rename).Groups[1].Value;
        Assert.StartsWith("Guest", guest, StringComparison.Ordinal);

        // The guest claim is sent just after the rename, in node one's queue of claims and
        // releases; a claim on node one waits for that queue, so once a new client of node one
        // is welcome, the guest claim is done.
        await using var barrier = await IrcLineClient.RegisterAsync(one.Port, "barrier");
        await using var other = await IrcLineClient.RegisterAsync(two.Port, "other");
        await other.SendAsync($"NICK {guest}");
        Assert.Contains(" 433 ", await other.ExpectAsync(l => l.Contains(" 433 ", StringComparison.Ordinal) || l.Contains(" NICK ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [GeneratedRegex(@" NICK :?(\S+)$")]
    private static partial Regex GuestRegex();
}
