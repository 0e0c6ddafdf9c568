using Parley.Server.Hosting;

namespace Parley.Server.Connections;

/// <summary>
/// A per-connection token bucket: <see cref="FloodOptions.Burst"/> commands at once, then
/// <see cref="FloodOptions.PerSecond"/>. A client over the limit is not refused: its next
/// command waits (as Ergo's fakelag), so a flood slows only the flooder.
/// </summary>
/// <remarks>Owned by one connection's read loop; not thread-safe.</remarks>
public sealed class FloodControl(FloodOptions options, TimeProvider time)
{
    private double _tokens = options.Burst;
    private long _lastRefill = time.GetTimestamp();

    public bool Enabled { get; set; } = options.Enabled;

    /// <summary>Takes a token; returns how long to wait before handling the command (zero if none).</summary>
    public TimeSpan Take()
    {
        if (!Enabled)
        {
            return TimeSpan.Zero;
        }
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(_lastRefill, now).TotalSeconds;
        _lastRefill = now;
        _tokens = Math.Min(options.Burst, _tokens + elapsed * options.PerSecond);
        _tokens -= 1;
        if (_tokens >= 0)
        {
            return TimeSpan.Zero;
        }
        // The debt, paid back at the sustained rate.
        return TimeSpan.FromSeconds(-_tokens / options.PerSecond);
    }
}
