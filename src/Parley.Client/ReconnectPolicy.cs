namespace Parley.Client;

/// <summary>
/// How a lost connection is retried: exponential backoff with jitter, bounded in delay and
/// in attempts. Attempt n (from 1) waits a random time in [d/2, d] with
/// d = min(<see cref="MaxDelay"/>, <see cref="InitialDelay"/> · 2^(n−1)) ("equal jitter":
/// clients dropped together do not come back together, and none retries at once).
/// </summary>
public sealed record ReconnectPolicy
{
    /// <summary>Retry at all; off, a lost connection ends the client.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The first delay's upper bound.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>No delay is longer than this.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Attempts after one loss before giving up; the count starts again after a successful login.</summary>
    public int MaxAttempts { get; init; } = 12;

    /// <summary>The delay before attempt <paramref name="attempt"/> (from 1), with <paramref name="random"/> in [0, 1).</summary>
    public TimeSpan Delay(int attempt, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var ceiling = InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        ceiling = Math.Min(ceiling, MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling / 2 + ceiling / 2 * Math.Clamp(random, 0, 1));
    }
}
