using Microsoft.Extensions.Time.Testing;
using Parley.Server.Connections;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Connections;

public sealed class FloodControlTests
{
    [Fact]
    public void Take_WithinBurst_DoesNotWait()
    {
        var flood = new FloodControl(new FloodOptions { Burst = 3, PerSecond = 1 }, new FakeTimeProvider());
        Assert.Equal(TimeSpan.Zero, flood.Take());
        Assert.Equal(TimeSpan.Zero, flood.Take());
        Assert.Equal(TimeSpan.Zero, flood.Take());
    }

    [Fact]
    public void Take_PastBurst_WaitsAtTheSustainedRate()
    {
        var flood = new FloodControl(new FloodOptions { Burst = 2, PerSecond = 4 }, new FakeTimeProvider());
        flood.Take();
        flood.Take();
        Assert.Equal(TimeSpan.FromSeconds(0.25), flood.Take());
        Assert.Equal(TimeSpan.FromSeconds(0.5), flood.Take());
    }

    [Fact]
    public void Take_AfterQuietTime_RefillsUpToBurstOnly()
    {
        var time = new FakeTimeProvider();
        var flood = new FloodControl(new FloodOptions { Burst = 2, PerSecond = 1 }, time);
        flood.Take();
        flood.Take();
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(TimeSpan.Zero, flood.Take());
        Assert.Equal(TimeSpan.Zero, flood.Take());
        Assert.True(flood.Take() > TimeSpan.Zero);
    }

    [Fact]
    public void Take_WhenDisabled_NeverWaits()
    {
        var flood = new FloodControl(new FloodOptions { Enabled = false, Burst = 1, PerSecond = 0.001 }, new FakeTimeProvider());
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.Zero, flood.Take());
        }
    }

    [Fact]
    public async Task Flooder_IsSlowedDown_UntilTheClockAdvances()
    {
        await using var server = new TestServer(new ServerOptions { Flood = new FloodOptions { Burst = 2, PerSecond = 1 } }, floodControl: true);
        var c = await server.ConnectRegisteredAsync("flooder");
        for (var i = 1; i <= 3; i++)
        {
            await c.SendAsync($"PING t{i}");
        }
        Assert.Equal("t1", (await c.ReadAsync()).Parameters[^1]);
        Assert.Equal("t2", (await c.ReadAsync()).Parameters[^1]);
        // The third waits on the (fake) clock: nothing comes while it stands still.
        await Assert.ThrowsAsync<TimeoutException>(() => c.ReadAsync(TimeSpan.FromMilliseconds(300)));
        server.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("t3", (await c.ReadAsync()).Parameters[^1]);
    }
}
