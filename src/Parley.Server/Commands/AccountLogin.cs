using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Server.Sessions;
using Parley.Server.Storage;

using Parley.Server.Diagnostics;

namespace Parley.Server.Commands;

/// <summary>
/// What every way of logging in shares (SASL, PASS, NickServ IDENTIFY/REGISTER): the login
/// throttle, the password check against the store, and the login itself (Network, 900).
/// Passwords are never logged.
/// </summary>
internal static partial class AccountLogin
{
    public enum Outcome
    {
        Ok,

        /// <summary>Unknown account or wrong password (the caller does not tell which).</summary>
        Failed,

        /// <summary>Too many failures lately for the account or the address: not checked.</summary>
        Throttled,

        /// <summary>The store failed (logged).</summary>
        Error,
    }

    public readonly record struct Result(Outcome Outcome, AccountRecord? Account = null, TimeSpan Wait = default);

    /// <summary>How long this account name and this client's address must wait, or zero.</summary>
    public static TimeSpan ThrottleWait(Session s, string name)
    {
        var byAccount = s.Server.AccountThrottle.Check(s.Server.Accounts.CaseMapping.Fold(name));
        var byAddress = s.Server.AddressThrottle.Check(s.User.RealIp);
        return byAccount > byAddress ? byAccount : byAddress;
    }

    /// <summary>Counts a failed attempt against the account name and the address.</summary>
    public static void RecordFailure(Session s, string name, string mechanism)
    {
        s.Server.AccountThrottle.Fail(s.Server.Accounts.CaseMapping.Fold(name));
        s.Server.AddressThrottle.Fail(s.User.RealIp);
        LogFailed(Logger(s), s.Id, s.User.RealIp, name, mechanism);
    }

    public static void RecordSuccess(Session s, string name)
    {
        s.Server.AccountThrottle.Succeed(s.Server.Accounts.CaseMapping.Fold(name));
        s.Server.AddressThrottle.Succeed(s.User.RealIp);
    }

    /// <summary>Checks <paramref name="password"/> for account <paramref name="name"/>, throttled.</summary>
    public static async ValueTask<Result> VerifyPasswordAsync(Session s, string name, string password, string mechanism)
    {
        var wait = ThrottleWait(s, name);
        if (wait > TimeSpan.Zero)
        {
            LogThrottled(Logger(s), s.Id, s.User.RealIp, name, mechanism);
            return new Result(Outcome.Throttled, Wait: wait);
        }
        AccountRecord? account;
        try
        {
            account = await s.Server.Accounts.VerifyAsync(name, password);
        }
        catch (DbException ex)
        {
            LogStoreFailed(Logger(s), ex, s.Id);
            return new Result(Outcome.Error);
        }
        if (account is null)
        {
            RecordFailure(s, name, mechanism);
            return new Result(Outcome.Failed);
        }
        RecordSuccess(s, name);
        return new Result(Outcome.Ok, account);
    }

    /// <summary>"try again in N seconds", rounded up.</summary>
    public static string WaitText(TimeSpan wait)
        => $"too many failed attempts, try again in {Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture)} seconds";

    /// <summary>
    /// Logs the session in to <paramref name="account"/>: 900 RPL_LOGGEDIN (and 903 for SASL),
    /// then the account change through Network (account-notify to others).
    /// </summary>
    public static void Complete(Session s, string account, string mechanism, bool sasl)
    {
        s.Numeric(Numerics.RPL_LOGGEDIN, Mask(s), account, $"You are now logged in as {account}");
        if (sasl)
        {
            s.Numeric(Numerics.RPL_SASLSUCCESS, "SASL authentication successful");
        }
        s.Network.SetAccount(s.User, account, s.Replies);
        s.OfflineDeliveryDue = true;
        s.AlwaysOnDue = true;
        LogLoggedIn(Logger(s), s.Id, account, mechanism);
    }

    /// <summary>Logs the session out: 901 RPL_LOGGEDOUT and account-notify <c>ACCOUNT *</c>.</summary>
    public static void Logout(Session s)
    {
        if (s.Network.SetAccount(s.User, null, s.Replies))
        {
            s.Numeric(Numerics.RPL_LOGGEDOUT, Mask(s), "You are now logged out");
        }
    }

    /// <summary>nick!user@host as numerics 900/901 carry it, also before registration.</summary>
    public static string Mask(Session s)
        => s.IsRegistered ? s.User.Prefix : $"{s.Nick}!{s.PendingUsername ?? "*"}@{s.User.Host}";

    private static ILogger Logger(Session s) => s.Server.LoggerFactory.CreateLogger("Parley.Server.Accounts");

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Connection {Id} logged in to account {Account} ({Mechanism})")]
    private static partial void LogLoggedIn(ILogger logger, long id, string account, string mechanism);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Connection {Id} from {Address}: failed login to account {Account} ({Mechanism})")]
    private static partial void LogFailed(ILogger logger, long id, string address, string account, string mechanism);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Connection {Id} from {Address}: login to account {Account} throttled ({Mechanism})")]
    private static partial void LogThrottled(ILogger logger, long id, string address, string account, string mechanism);

    [LoggerMessage(EventId = 403, Level = LogLevel.Error, Message = "Connection {Id}: the account store failed")]
    private static partial void LogStoreFailed(ILogger logger, Exception ex, long id);

    /// <summary>Logs a store failure met by a handler that calls the store itself.</summary>
    public static void ReportStoreFailure(Session s, Exception ex)
    {
        s.Server.Metrics.StorageError(ParleyMetrics.StoreOther);
        LogStoreFailed(Logger(s), ex, s.Id);
    }

    /// <summary>
    /// Saves one of the account's NickServ settings; on a store failure reports it and tells
    /// the user. Returns whether it was saved.
    /// </summary>
    public static async ValueTask<bool> TrySaveSettingAsync(Session s, Func<ValueTask> save, Action<string> notice)
    {
        try
        {
            await save();
            return true;
        }
        catch (DbException ex)
        {
            ReportStoreFailure(s, ex);
            notice("Your setting could not be saved; try again later.");
            return false;
        }
    }
}
