using Parley.Server.Storage;

namespace Parley.Server.Web;

/// <summary>
/// One thing <c>/readyz</c> checks. Register more in the service collection (the clustered
/// mode adds "the node has joined the cluster"); <c>/readyz</c> answers 200 only when every
/// check passes. A check throws, or returns a reason, when it fails.
/// </summary>
public interface IReadinessCheck
{
    /// <summary>A short name, shown in /readyz's body.</summary>
    string Name { get; }

    /// <summary>Null when ready, else why not. Should take milliseconds; it is cut off after <see cref="HttpFrontEnd.CheckTimeout"/>.</summary>
    Task<string?> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>The account store answers a cheap read (a primary-key lookup of a name no account has).</summary>
public sealed class AccountStoreCheck(ServerContext server) : IReadinessCheck
{
    public string Name => "accounts";

    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        _ = await server.Accounts.GetAsync("parley-readiness-probe", cancellationToken);
        return null;
    }
}

/// <summary>The history store answers a cheap read (a read marker no one has); "off" when history is off.</summary>
public sealed class HistoryStoreCheck(ServerContext server) : IReadinessCheck
{
    public string Name => "history";

    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        if (server.History is not IHistoryStore history)
        {
            return null;
        }
        _ = await history.GetReadMarkerAsync("*", "*", cancellationToken);
        return null;
    }
}
