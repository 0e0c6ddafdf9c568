using System.Net.Sockets;
using System.Text;
using Parley.Server.Network;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Faults;

/// <summary>
/// Fault tests over the real listener: connection churn returns descriptors and memory to
/// their baseline; a thousand slowloris connections do not hold up a real client. They run
/// alone (no other test allocating meanwhile), so the process's memory is theirs to measure.
/// </summary>
[Collection(SerialFaults.Name)]
public sealed class ConnectionChurnTests
{
    /// <summary>
    /// Open descriptors, not counting SQLite's files: the account store's connection pool keeps as
    /// many connections (each parley.db and its -wal) as registrations ran at once, a bounded
    /// number that varies from run to run and is no leak.
    /// </summary>
    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Count(fd => !IsDatabaseFile(fd));

    private static bool IsDatabaseFile(string fd)
    {
        try
        {
            return new FileInfo(fd).LinkTarget is { } target && target.Contains(".db", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // closed meanwhile
        }
    }

    /// <summary>Connects, registers, quits; returns once the server closed the connection.</summary>
    private static async Task CycleAsync(LoopbackServer server, int i)
    {
        using var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(server.EndPoint);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"NICK c{i}\r\nUSER c 0 * :c\r\nQUIT\r\n"));
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
        while (await stream.ReadAsync(buffer, cts.Token) > 0)
        {
        }
    }

    private static async Task ChurnAsync(LoopbackServer server, int count, int concurrency)
    {
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await CycleAsync(server, i);
            }
        });
        await Task.WhenAll(workers);
    }

    [Fact]
    public async Task TenThousandConnectDisconnectCycles_ReturnDescriptorsAndMemoryToBaseline()
    {
        if (!Directory.Exists("/proc/self/fd"))
        {
            return;
        }
        await using var server = await LoopbackServer.StartAsync();
        var context = (ServerContext)server.App.Services.GetService(typeof(ServerContext))!;
        // Warm-up: pools, the JIT, and WHOWAS filled to its cap (it keeps the last departures).
        await ChurnAsync(server, IrcNetwork.WhowasCapacity + 500, 32);
        await context.WhenNoSessionsAsync().WaitAsync(TestClient.DefaultTimeout);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var descriptors = OpenDescriptors();
        var memory = GC.GetTotalMemory(forceFullCollection: true);

        await ChurnAsync(server, 10_000, 32);
        await context.WhenNoSessionsAsync().WaitAsync(TestClient.DefaultTimeout);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var descriptorsAfter = OpenDescriptors();
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.InRange(descriptorsAfter, 0, descriptors + 8);
        // A leak of 10,000 sessions at a few KB each would be tens of MB; what stays is noise.
        Assert.InRange(memoryAfter - memory, long.MinValue, 8L * 1024 * 1024);
    }

    [Fact]
    public async Task AThousandSlowlorisConnections_DoNotHoldUpARealRegistration()
    {
        await using var server = await LoopbackServer.StartAsync();
        var slow = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var tcp = new TcpClient(AddressFamily.InterNetwork);
                await tcp.ConnectAsync(server.EndPoint);
                await tcp.GetStream().WriteAsync("N"u8.ToArray());
                slow.Add(tcp);
            }
            // A byte a second from each, all the while.
            using var stop = new CancellationTokenSource();
            var dribble = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    foreach (var tcp in slow)
                    {
                        await tcp.GetStream().WriteAsync("I"u8.ToArray(), stop.Token);
                    }
                }
            });

            var (client, reader, stream) = await server.ConnectAsync();
            using (client)
            {
                await stream.WriteAsync("NICK real\r\nUSER real 0 * :Real\r\n"u8.ToArray());
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var welcome = await reader.ReadLineAsync(cts.Token);
                Assert.Contains(" 001 real ", welcome, StringComparison.Ordinal);
            }
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dribble);
        }
        finally
        {
            foreach (var tcp in slow)
            {
                tcp.Dispose();
            }
        }
    }
}

/// <summary>Tests that measure the whole process: never run beside others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialFaults
{
    public const string Name = "Serial faults";
}
