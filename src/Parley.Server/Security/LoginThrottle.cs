namespace Parley.Server.Security;

/// <summary>
/// Counts failed logins per key (an account, an address) in a fixed window: after
/// <c>limit</c> failures within <c>window</c> of the first, further attempts on that key are
/// refused without checking the password until the window ends (in the manner of Ergo's
/// login throttle, but keyed by account and address rather than by connection, so
/// reconnecting does not reset it). A success clears the key.
/// </summary>
/// <remarks>
/// Thread-safe (one short lock). Bounded: at most <see cref="MaxKeys"/> keys; when full,
/// expired windows are dropped, and if none has expired a new key is not tracked (the
/// per-address key still limits whoever filled the table).
/// </remarks>
public sealed class LoginThrottle
{
    public const int MaxKeys = 100_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Start, int Failures)> _windows = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _limit;
    private readonly TimeSpan _window;

    /// <param name="limit">Failures allowed per window; 0 turns throttling off.</param>
    public LoginThrottle(TimeProvider time, int limit, TimeSpan window)
    {
        _time = time;
        _limit = limit;
        _window = window;
    }

    /// <summary>How long <paramref name="key"/> must wait before its next attempt, or zero.</summary>
    public TimeSpan Check(string key)
    {
        if (_limit <= 0)
        {
            return TimeSpan.Zero;
        }
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_windows.TryGetValue(key, out var w))
            {
                return TimeSpan.Zero;
            }
            var end = w.Start + _window;
            if (now >= end)
            {
                _windows.Remove(key);
                return TimeSpan.Zero;
            }
            return w.Failures >= _limit ? end - now : TimeSpan.Zero;
        }
    }

    /// <summary>Records a failed attempt.</summary>
    public void Fail(string key)
    {
        if (_limit <= 0)
        {
            return;
        }
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_windows.TryGetValue(key, out var w) && now < w.Start + _window)
            {
                _windows[key] = (w.Start, w.Failures + 1);
                return;
            }
            if (_windows.Count >= MaxKeys && !_windows.ContainsKey(key))
            {
                foreach (var expired in _windows.Where(kv => now >= kv.Value.Start + _window).Select(kv => kv.Key).ToList())
                {
                    _windows.Remove(expired);
                }
                if (_windows.Count >= MaxKeys)
                {
                    return;
                }
            }
            _windows[key] = (now, 1);
        }
    }

    /// <summary>Forgets the key's failures (after a successful login).</summary>
    public void Succeed(string key)
    {
        lock (_gate)
        {
            _windows.Remove(key);
        }
    }
}
