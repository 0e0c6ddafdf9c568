namespace Parley.Client.Tests;

public sealed class ReconnectPolicyTests
{
    [Theory]
    [InlineData(1, 0.0, 500)]
    [InlineData(1, 0.999999, 1000)]
    [InlineData(2, 0.0, 1000)]
    [InlineData(3, 0.5, 3000)]
    [InlineData(7, 0.0, 30000)]   // 64 s capped at 60 s, half of it
    [InlineData(40, 1.0, 60000)]  // no overflow far out
    public void Delay_DoublesWithEqualJitter_UpToTheCap(int attempt, double random, int expectedMs)
    {
        var policy = new ReconnectPolicy { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromMinutes(1) };
        Assert.Equal(expectedMs, policy.Delay(attempt, random).TotalMilliseconds, precision: 0);
    }

    [Fact]
    public void Delay_IsNeverZero_SoAFlappingServerIsNotHammered()
    {
        var policy = new ReconnectPolicy();
        Assert.True(policy.Delay(1, 0) > TimeSpan.Zero);
    }
}
