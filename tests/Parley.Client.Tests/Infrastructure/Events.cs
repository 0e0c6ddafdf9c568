namespace Parley.Client.Tests.Infrastructure;

/// <summary>Waiting on a client's events, never longer than a timeout, never by sleeping.</summary>
public static class Events
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Reads events until one of type <typeparamref name="T"/> matches; the ones before it are passed over.</summary>
    public static async Task<T> WaitForAsync<T>(this IrcClient client, Func<T, bool>? match = null, TimeSpan? timeout = null)
        where T : ClientEvent
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        var passed = new List<ClientEvent>();
        try
        {
            while (await client.Events.WaitToReadAsync(cts.Token))
            {
                while (client.Events.TryRead(out var e))
                {
                    if (e is T t && (match is null || match(t)))
                    {
                        return t;
                    }
                    passed.Add(e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        throw new TimeoutException($"no {typeof(T).Name} within {(timeout ?? Timeout).TotalSeconds} s; saw: {string.Join(" | ", passed.TakeLast(20))}");
    }
}
