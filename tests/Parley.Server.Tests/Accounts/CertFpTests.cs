using Parley.Server.Storage;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Accounts;

/// <summary>Certificate fingerprints on accounts (SASL EXTERNAL): the store and NickServ CERT.</summary>
public sealed class CertFpTests
{
    private const string Fp = "2c4c30385059bba249e5094780fa62de1cbbfffcfd6ad6248acd27405cdfc040";

    [Fact]
    public async Task Store_AddsFindsListsRemoves_AndForgetsThemWithTheAccount()
    {
        await using var server = new TestServer();
        var store = server.Accounts;
        await server.CreateAccountAsync("Alice", "pw");
        await server.CreateAccountAsync("bob", "pw");

        Assert.Equal(AccountResult.Ok, await store.AddCertFpAsync("alice", Fp.ToUpperInvariant()));
        Assert.Equal(AccountResult.AlreadyExists, await store.AddCertFpAsync("bob", Fp));
        Assert.Equal(AccountResult.InvalidName, await store.AddCertFpAsync("bob", "abc"));
        Assert.Equal(AccountResult.NotFound, await store.AddCertFpAsync("nobody", new string('a', 64)));
        Assert.Equal("Alice", (await store.FindByCertFpAsync(string.Join(":", Fp.Chunk(2).Select(c => new string(c)))))?.Name);
        Assert.Equal([Fp], await store.ListCertFpsAsync("ALICE"));

        Assert.Equal(AccountResult.Ok, await store.DeleteAsync("alice"));
        Assert.Null(await store.FindByCertFpAsync(Fp));
        Assert.Equal(AccountResult.Ok, await store.AddCertFpAsync("bob", Fp));
        Assert.Equal(AccountResult.Ok, await store.RemoveCertFpAsync("bob", Fp));
        Assert.Empty(await store.ListCertFpsAsync("bob"));
    }

    [Fact]
    public async Task NickServCert_ManagesTheLoggedInAccountsFingerprints()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("alice", "correct horse");
        var alice = await server.ConnectRegisteredAsync("alice");
        await alice.SyncAsync(); // NickServ's notice that the nick is alice's account

        await alice.SendAsync("PRIVMSG NickServ :CERT ADD " + Fp);
        Assert.Contains("must be logged in", (await alice.ExpectAsync("NOTICE")).Parameters[1], StringComparison.Ordinal);

        await alice.SendAsync("PRIVMSG NickServ :IDENTIFY alice correct horse");
        await alice.SyncAsync();
        await alice.SendAsync("PRIVMSG NickServ :CERT ADD " + Fp);
        Assert.Contains($"Certificate {Fp} can now log in to alice", (await alice.ExpectAsync("NOTICE")).Parameters[1], StringComparison.Ordinal);
        await alice.SendAsync("PRIVMSG NickServ :CERT LIST");
        var list = (await alice.SyncAsync()).Where(m => m.Command == "NOTICE").Select(m => m.Parameters[1]).ToList();
        Assert.Equal(["Certificates that log in to alice:", "  " + Fp], list);
        await alice.SendAsync("PRIVMSG NickServ :CERT ADD");
        Assert.Contains("not connected with a client certificate", (await alice.ExpectAsync("NOTICE")).Parameters[1], StringComparison.Ordinal);
        await alice.SendAsync("PRIVMSG NickServ :CERT DEL " + Fp);
        Assert.Equal($"Certificate {Fp} removed.", (await alice.ExpectAsync("NOTICE")).Parameters[1]);
        Assert.Empty(await server.Accounts.ListCertFpsAsync("alice"));
    }
}
