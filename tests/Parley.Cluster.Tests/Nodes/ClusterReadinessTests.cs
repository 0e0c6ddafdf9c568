using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary><c>/readyz</c> on a cluster node: ready only while the node is an active member of the cluster.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterReadinessTests(PostgresFixture postgres) : IAsyncLifetime
{
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await postgres.Server.CreateDatabaseAsync();

    public Task DisposeAsync() => postgres.Server.DropDatabaseAsync(_connectionString);

    [Fact]
    public async Task NotReadyBeforeJoining_ReadyOnceJoined_NotReadyOnceLeft()
    {
        await using var silo = await InProcessSilo.BuildAsync(_connectionString, "ready.parley.test");
        var check = ActivatorUtilities.CreateInstance<ClusterReadinessCheck>(silo.Services);
        Assert.Equal("cluster", check.Name);
        Assert.Equal("this node has not joined the cluster yet", await check.CheckAsync(CancellationToken.None));

        await silo.StartHostAsync();
        Assert.Null(await check.CheckAsync(CancellationToken.None));

        await silo.StopHostAsync();
        Assert.NotNull(await check.CheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AJoinedNode_ReadyzListsTheClusterAndTheStoresOk()
    {
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(_connectionString, "readyz.parley.test", "--websocket", $"127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("cluster: ok", body, StringComparison.Ordinal);
        Assert.Contains("accounts: ok", body, StringComparison.Ordinal);
        Assert.Contains("history: ok", body, StringComparison.Ordinal);
    }
}
