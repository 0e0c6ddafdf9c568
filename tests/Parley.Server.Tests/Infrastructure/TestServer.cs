using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Parley.Server.Connections;
using Parley.Server.Hosting;
using Parley.Server.Storage;

namespace Parley.Server.Tests.Infrastructure;

/// <summary>
/// A server in this process with in-memory connections (no sockets) and a fake clock, for
/// protocol tests. Every client is a <see cref="TestClient"/> over a pair of pipes. Accounts
/// live in a SQLite file in a temporary data directory of its own, deleted on dispose.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string Name = "test.parley";

    /// <summary>PBKDF2 rounds for test accounts: RFC 7677's minimum, fast enough for many tests.</summary>
    public const int Iterations = 4096;

    private readonly List<(TestClient Client, Task Run)> _clients = [];

    /// <param name="options">Server options; the name is always <see cref="Name"/>.</param>
    /// <param name="floodControl">Keep flood control as the options say (off by default in tests).</param>
    /// <param name="reload">What REHASH re-reads (the server name and flood setting are kept as here).</param>
    /// <param name="time">The clock (default: a fake one at 2026-11-25 12:00 UTC).</param>
    /// <param name="cloaks">Keep IP cloaking as the options say (off by default in tests, so hosts read 127.0.0.1).</param>
    /// <param name="wrapHistory">Wraps the history store (history.db) in one of the test's, e.g. to hold commits back.</param>
    /// <param name="link">Makes the server a cluster node with this link to the rest of the network (a test's fake).</param>
    public TestServer(ServerOptions? options = null, bool floodControl = false, Func<ServerOptions>? reload = null, FakeTimeProvider? time = null, bool cloaks = false,
        Func<IHistoryStore, IHistoryStore>? wrapHistory = null, Network.INetworkLink? link = null)
    {
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        ServerOptions ForTests(ServerOptions o) => o with
        {
            Name = Name,
            Flood = o.Flood with { Enabled = floodControl && o.Flood.Enabled },
            Cloaks = o.Cloaks with { Enabled = cloaks && o.Cloaks.Enabled },
        };
        options = ForTests(options ?? new ServerOptions());
        DataDir = Directory.CreateTempSubdirectory("parley-test-").FullName;
        var mapping = Protocol.CaseMapping.TryGet(options.CaseMapping, out var m) ? m : Protocol.CaseMapping.Rfc1459;
        var accounts = SqliteAccountStore.Open(SqliteDatabase.Open(DataDir), mapping, Time, Iterations, ownsDatabase: true);
        IHistoryStore? history = options.History.Enabled ? SqliteHistoryStore.Open(DataDir) : null;
        if (history is not null && wrapHistory is not null)
        {
            history = wrapHistory(history);
        }
        Context = new ServerContext(options with { DataDir = DataDir }, Time, NullLoggerFactory.Instance,
            reload is null ? null : () => ForTests(reload()) with { DataDir = DataDir }, accounts, history: history, link: link);
    }

    public FakeTimeProvider Time { get; }
    public ServerContext Context { get; }

    /// <summary>This server's data directory (parley.db).</summary>
    public string DataDir { get; }

    public IAccountStore Accounts => Context.Accounts;

    /// <summary>Creates an account (as <c>parley account create</c> would); fails the test if it cannot.</summary>
    public async Task CreateAccountAsync(string name, string password)
        => Assert.Equal(AccountResult.Ok, await Accounts.CreateAsync(name, password));

    /// <summary>A new connection, not yet registered.</summary>
    public TestClient Connect(string host = "127.0.0.1")
    {
        var toServer = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var toClient = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var transport = new DuplexPipe(toServer.Reader, toClient.Writer);
        var connection = new IrcConnection(transport, Context, host);
        var client = new TestClient(toServer.Writer, toClient.Reader, connection.Session);
        var run = Task.Run(connection.RunAsync);
        lock (_clients)
        {
            _clients.Add((client, run));
        }
        return client;
    }

    /// <summary>A connection registered as <paramref name="nick"/> with these capabilities, welcome burst consumed.</summary>
    public async Task<TestClient> ConnectRegisteredAsync(string nick, params string[] caps)
    {
        var client = Connect();
        await client.RegisterAsync(nick, caps);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        List<(TestClient Client, Task Run)> all;
        lock (_clients)
        {
            all = [.. _clients];
        }
        foreach (var (client, _) in all)
        {
            await client.DisposeAsync();
        }
        await Task.WhenAll(all.Select(c => c.Run)).WaitAsync(TimeSpan.FromSeconds(10));
        Context.Dispose();
        Directory.Delete(DataDir, recursive: true);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
