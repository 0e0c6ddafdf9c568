using Parley.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>
/// Multiclient across nodes when the node of the account's primary (the user whose identity is
/// the account's channel member) is SIGKILLed while the account has a connection on a survivor
/// (docs/cluster.md, "One account on several nodes").
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AccountNodeDeathTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await postgres.Server.CreateDatabaseAsync();

    public Task DisposeAsync() => postgres.Server.DropDatabaseAsync(_connectionString);

    private static bool Has(string line, string part) => line.Contains(part, StringComparison.Ordinal);

    /// <summary>
    /// The members on the survivor see the account's member quit with the netsplit, as for any
    /// user of the dead node; the account's connection there is told it left the channel (a PART),
    /// keeps its nick and its private messages, and can join again, once.
    /// </summary>
    [Fact]
    public async Task ThePrimarysNodeDying_IsANetsplitForTheMember_AndTheAccountsConnectionElsewhereCarriesOn()
    {
        var nodes = await NodeProcess.StartAllAsync(_connectionString, "doomed.parley.test", "survivor.parley.test");
        await using var doomed = nodes[0];
        await using var survivor = nodes[1];
        try
        {
            await using (var db = await Storage.PostgresDatabase.OpenAsync(_connectionString))
            using (var accounts = await Storage.PostgresAccountStore.OpenAsync(db, null, TimeProvider.System, iterations: 4096))
            {
                Assert.Equal(Parley.Server.Storage.AccountResult.Ok, await accounts.CreateAsync("ada", "sesame"));
            }
            var first = await IrcLineClient.LoginAsync(doomed.Port, "ada", "ada", "sesame");
            await first.SendAsync("JOIN #split");
            await first.ExpectAsync(l => Has(l, " 366 "));
            await using var bob = await IrcLineClient.RegisterAsync(survivor.Port, "bob");
            await bob.SendAsync("JOIN #split");
            await bob.ExpectAsync(l => Has(l, " 366 "));
            await using var second = await IrcLineClient.LoginAsync(survivor.Port, "ada", "ada", "sesame");
            await second.ExpectAsync(l => Has(l, " 366 "));
            await second.SendAsync("PRIVMSG #split :before");
            Assert.EndsWith("before", await bob.ExpectAsync(l => Has(l, " PRIVMSG #split ")), StringComparison.Ordinal);

            doomed.Kill();
            await first.DisposeAsync();

            Assert.Matches(@"^:ada!\S+ QUIT :?survivor\.parley\.test doomed\.parley\.test$", await bob.ExpectAsync(l => Has(l, " QUIT "), TimeSpan.FromSeconds(30)));
            Assert.Matches(@"^:ada!\S+ PART #split", await second.ExpectAsync(l => Has(l, " PART "), TimeSpan.FromSeconds(30)));

            // Its nick and private messages stay; it joins again, and is one member.
            await bob.SendAsync("PRIVMSG ada :still there?");
            Assert.EndsWith("still there?", await second.ExpectAsync(l => Has(l, " PRIVMSG ada ")), StringComparison.Ordinal);
            await second.SendAsync("JOIN #split");
            await second.ExpectAsync(l => Has(l, " 366 "));
            Assert.Matches(@"^:ada!\S+ JOIN :?#split$", await bob.ExpectAsync(l => Has(l, " JOIN ")));
            await bob.SendAsync("NAMES #split");
            var names = await bob.ExpectAsync(l => Has(l, " 353 "));
            Assert.Single(names[(names.LastIndexOf(" :", StringComparison.Ordinal) + 2)..].Split(' '), n => n.TrimStart('@', '+') == "ada");
        }
        finally
        {
            output.WriteLine("--- survivor:\n" + survivor.Output);
        }
    }
}
