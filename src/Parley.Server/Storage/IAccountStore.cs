using Parley.Protocol;

namespace Parley.Server.Storage;

/// <summary>
/// Accounts: names, SCRAM-SHA-256 credentials, e-mail. Names are unique under the store's
/// <see cref="CaseMapping"/> and keep the form they were created with for display.
/// </summary>
/// <remarks>
/// Thread-safe. Every call reads or writes the backing store: nothing is cached, so a change
/// made by another process (<c>parley account …</c> beside a running server) is seen by the
/// next call. A write is durable when its task completes (ARCHITECTURE.md rule 10).
/// Asynchronous because the clustered store (PostgreSQL) is; the SQLite one completes
/// synchronously.
/// </remarks>
public interface IAccountStore : IDisposable
{
    /// <summary>How names are folded for uniqueness and lookup.</summary>
    CaseMapping CaseMapping { get; }

    /// <summary>Creates an account; <see cref="AccountResult.AlreadyExists"/> if the folded name is taken.</summary>
    ValueTask<AccountResult> CreateAsync(string name, string password, string? email = null, CancellationToken cancellationToken = default);

    /// <summary>The account, with its credentials, or null.</summary>
    ValueTask<AccountRecord?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Replaces the account's credentials.</summary>
    ValueTask<AccountResult> SetPasswordAsync(string name, string password, CancellationToken cancellationToken = default);

    /// <summary>Sets the account's always-on setting (null: back to the server's default); <see cref="AccountResult.NotFound"/> if there is none.</summary>
    ValueTask<AccountResult> SetAlwaysOnAsync(string name, bool? alwaysOn, CancellationToken cancellationToken = default);

    /// <summary>Sets the account's autoreplay-missed setting (null: back to the default, on); <see cref="AccountResult.NotFound"/> if there is none.</summary>
    ValueTask<AccountResult> SetAutoreplayMissedAsync(string name, bool? replay, CancellationToken cancellationToken = default);

    /// <summary>Deletes the account; <see cref="AccountResult.NotFound"/> if there is none.</summary>
    ValueTask<AccountResult> DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every account, by folded name.</summary>
    ValueTask<IReadOnlyList<AccountSummary>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The account if <paramref name="password"/> is its password, else null (unknown name or wrong password).</summary>
    ValueTask<AccountRecord?> VerifyAsync(string name, string password, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lets a client certificate log in to the account (SASL EXTERNAL). <see cref="AccountResult.AlreadyExists"/>
    /// when the fingerprint belongs to an account already; <see cref="AccountResult.InvalidName"/> for a malformed fingerprint.
    /// </summary>
    ValueTask<AccountResult> AddCertFpAsync(string name, string certfp, CancellationToken cancellationToken = default);

    /// <summary>Forgets a fingerprint of the account.</summary>
    ValueTask<AccountResult> RemoveCertFpAsync(string name, string certfp, CancellationToken cancellationToken = default);

    /// <summary>The account's fingerprints.</summary>
    ValueTask<IReadOnlyList<string>> ListCertFpsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The account a certificate fingerprint logs in to, or null.</summary>
    ValueTask<AccountRecord?> FindByCertFpAsync(string certfp, CancellationToken cancellationToken = default);
}
