namespace Parley.Server.Connections;

/// <summary>
/// A token bucket on the injected clock: <c>burst</c> actions at once, then <c>perSecond</c>
/// sustained. Used for the nick-change and join throttles (refusals, not delays: those are
/// flood control's). One session's read loop owns it: not thread-safe.
/// </summary>
public sealed class TokenBucket(int burst, double perSecond, TimeProvider time)
{
    private double _tokens = burst;
    private long _lastRefill = time.GetTimestamp();

    /// <summary>Takes a token when there is one; otherwise says how long until there is.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(burst, _tokens + (time.GetElapsedTime(_lastRefill, now).TotalSeconds * perSecond));
        _lastRefill = now;
        if (_tokens >= 1)
        {
            _tokens -= 1;
            retryAfter = TimeSpan.Zero;
            return true;
        }
        retryAfter = perSecond > 0 ? TimeSpan.FromSeconds((1 - _tokens) / perSecond) : TimeSpan.MaxValue;
        return false;
    }
}
