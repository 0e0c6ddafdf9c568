using Microsoft.Extensions.Time.Testing;
using Parley.Server.Security;

namespace Parley.Server.Tests.Accounts;

public sealed class LoginThrottleTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void AfterLimitFailures_WaitsUntilTheWindowEnds()
    {
        var t = new LoginThrottle(_time, 2, TimeSpan.FromMinutes(1));
        t.Fail("a");
        Assert.Equal(TimeSpan.Zero, t.Check("a"));
        _time.Advance(TimeSpan.FromSeconds(10));
        t.Fail("a");
        Assert.Equal(TimeSpan.FromSeconds(50), t.Check("a"));
        Assert.Equal(TimeSpan.Zero, t.Check("b"));
        _time.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(TimeSpan.Zero, t.Check("a"));
    }

    [Fact]
    public void Succeed_ForgetsTheFailures()
    {
        var t = new LoginThrottle(_time, 1, TimeSpan.FromMinutes(1));
        t.Fail("a");
        Assert.NotEqual(TimeSpan.Zero, t.Check("a"));
        t.Succeed("a");
        Assert.Equal(TimeSpan.Zero, t.Check("a"));
    }

    [Fact]
    public void LimitZero_NeverThrottles()
    {
        var t = new LoginThrottle(_time, 0, TimeSpan.FromMinutes(1));
        for (var i = 0; i < 10; i++)
        {
            t.Fail("a");
        }
        Assert.Equal(TimeSpan.Zero, t.Check("a"));
    }
}
