using System.Data.Common;
using Parley.Server.Network;
using Parley.Server.Sessions;
using Parley.Server.Storage;

namespace Parley.Server.Commands;

/// <summary>
/// NickServ for clients without SASL: <c>PRIVMSG NickServ :IDENTIFY [account] password</c>,
/// <c>REGISTER password [email]</c>, <c>LOGOUT</c>, <c>HELP</c>. Messages to NickServ are
/// taken before delivery (MessagingCommands) and never reach anyone, so a password sent here is
/// not echoed or relayed. Replies are NOTICEs from <see cref="Prefix"/>; logins also get 900
/// as with SASL.
/// </summary>
internal static class NickServ
{
    public const string Nick = "NickServ";
    /// <summary>NickServ's source: its host is the services' name (Server:ServicesName), which LINKS lists.</summary>
    public static string Prefix(Session s) => $"{Nick}!{Nick}@{s.Server.Options.ServicesName}";

    private static readonly string[] Help =
    [
        "NickServ lets you log in to an account and create one.",
        "  IDENTIFY [account] <password>   log in (the account defaults to your nick)",
        "  REGISTER <password> [email]     create an account named after your nick and log in",
        "  LOGOUT                          log out",
        "  PASSWD <current> <new>          change your account's password (also SET PASSWORD)",
        "  DROP <password>                 delete your account (also UNREGISTER); logs out everywhere",
        "  INFO [account]                  when an account was registered and who is logged in to it",
        "  CERT ADD [fingerprint]          let a TLS client certificate log you in (SASL EXTERNAL);",
        "                                  without a fingerprint, the one you are connected with",
        "  CERT DEL <fingerprint>          forget one; CERT LIST shows them",
        "  SET ALWAYS-ON ON|OFF|DEFAULT    stay online (nick, channels, messages kept) with no",
        "                                  connection, when the server allows it",
        "  SET AUTOREPLAY-MISSED ON|OFF    when you reconnect to your always-on user, replay what",
        "                                  was said in your channels meanwhile (default on; only",
        "                                  to clients without draft/chathistory)",
        "  HELP                            this text",
        "Clients that support SASL (PLAIN, SCRAM-SHA-256 or EXTERNAL) should use it instead.",
    ];

    /// <summary>Whether a PRIVMSG/NOTICE target is NickServ (nick, or nick@server as some clients write it).</summary>
    public static bool IsTarget(Session s, string target)
    {
        var at = target.IndexOf('@', StringComparison.Ordinal);
        return s.Network.CaseMapping.Equals(at < 0 ? target : target[..at], Nick);
    }

    /// <summary>Whether a nick is NickServ's, which no user may take.</summary>
    public static bool IsReserved(IrcNetwork network, string nick) => network.CaseMapping.Equals(nick, Nick);

    /// <summary>One line sent to NickServ.</summary>
    public static async ValueTask HandleAsync(Session s, string text)
    {
        var words = text.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var command = words.Length > 0 ? words[0].ToUpperInvariant() : "HELP";
        var rest = words.Length > 1 ? words[1] : "";
        switch (command)
        {
            case "IDENTIFY" or "LOGIN":
                await IdentifyAsync(s, rest);
                break;
            case "REGISTER":
                await RegisterAsync(s, rest);
                break;
            case "LOGOUT":
                if (s.User.Account is null)
                {
                    Notice(s, "You are not logged in.");
                    break;
                }
                AccountLogin.Logout(s);
                Notice(s, "You are now logged out.");
                break;
            case "CERT":
                await CertAsync(s, rest);
                break;
            case "PASSWD":
                await PasswdAsync(s, rest);
                break;
            case "SET":
                var set = rest.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                if (set.Length > 0 && set[0].Equals("PASSWORD", StringComparison.OrdinalIgnoreCase))
                {
                    await PasswdAsync(s, set.Length > 1 ? set[1] : "");
                }
                else if (set.Length > 0 && set[0].Equals("ALWAYS-ON", StringComparison.OrdinalIgnoreCase))
                {
                    await Multiclient.SetAlwaysOnAsync(s, set.Length > 1 ? set[1] : "", text => Notice(s, text));
                }
                else if (set.Length > 0 && set[0].Equals("AUTOREPLAY-MISSED", StringComparison.OrdinalIgnoreCase))
                {
                    await AutoreplayMissed.SetAsync(s, set.Length > 1 ? set[1] : "", text => Notice(s, text));
                }
                else
                {
                    Notice(s, "Syntax: SET PASSWORD <current> <new> | SET ALWAYS-ON ON|OFF|DEFAULT | SET AUTOREPLAY-MISSED ON|OFF");
                }
                break;
            case "DROP" or "UNREGISTER":
                await DropAsync(s, rest);
                break;
            case "INFO":
                await InfoAsync(s, rest);
                break;
            case "HELP":
                foreach (var line in Help)
                {
                    Notice(s, line);
                }
                break;
            default:
                Notice(s, $"Unknown command {command}. Send HELP for the list.");
                break;
        }
    }

    // CERT ADD [fingerprint] | CERT DEL <fingerprint> | CERT LIST, for the account logged in to.
    private static async ValueTask CertAsync(Session s, string args)
    {
        if (s.User.Account is not { } account)
        {
            Notice(s, "You must be logged in to manage certificate fingerprints.");
            return;
        }
        var words = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var sub = words.Length > 0 ? words[0].ToUpperInvariant() : "LIST";
        var store = s.Server.Accounts;
        try
        {
            switch (sub)
            {
                case "ADD":
                    var fp = words.Length > 1 ? words[1] : s.User.CertFingerprint;
                    if (fp is null)
                    {
                        Notice(s, "You are not connected with a client certificate: give its fingerprint (CERT ADD <sha-256 hex>).");
                        return;
                    }
                    Notice(s, await store.AddCertFpAsync(account, fp) switch
                    {
                        Storage.AccountResult.Ok => $"Certificate {Security.CertFingerprints.Normalize(fp)} can now log in to {account} (SASL EXTERNAL).",
                        Storage.AccountResult.AlreadyExists => "That certificate is already registered to an account.",
                        Storage.AccountResult.InvalidName => "A fingerprint is the certificate's SHA-256: 64 hexadecimal digits.",
                        _ => "Your account no longer exists.",
                    });
                    return;
                case "DEL":
                    if (words.Length < 2)
                    {
                        Notice(s, "Syntax: CERT DEL <fingerprint>");
                        return;
                    }
                    Notice(s, await store.RemoveCertFpAsync(account, words[1]) == Storage.AccountResult.Ok
                        ? $"Certificate {words[1]} removed."
                        : $"No such certificate on {account}.");
                    return;
                default:
                    var list = await store.ListCertFpsAsync(account);
                    Notice(s, list.Count == 0 ? $"No certificates on {account}." : $"Certificates that log in to {account}:");
                    foreach (var f in list)
                    {
                        Notice(s, "  " + f);
                    }
                    return;
            }
        }
        catch (System.Data.Common.DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
            Notice(s, "Sorry, the account database failed; try again later.");
        }
    }

    // IDENTIFY [account] <password>: one word is the password for the account named like the
    // current nick; with two or more, the first is the account and the rest the password.
    private static async ValueTask IdentifyAsync(Session s, string args)
    {
        if (s.User.Account is { } current)
        {
            Notice(s, $"You are already logged in as {current}.");
            return;
        }
        var words = args.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            Notice(s, "Syntax: IDENTIFY [account] <password>");
            return;
        }
        var (name, password) = words.Length == 1 ? (s.Nick, words[0]) : (words[0], words[1]);
        var result = await AccountLogin.VerifyPasswordAsync(s, name, password, "NickServ");
        switch (result.Outcome)
        {
            case AccountLogin.Outcome.Ok:
                var account = result.Account!.Name;
                AccountLogin.Complete(s, account, "NickServ", sasl: false);
                Notice(s, $"You are now logged in as {account}.");
                break;
            case AccountLogin.Outcome.Throttled:
                Notice(s, $"Login refused: {AccountLogin.WaitText(result.Wait)}.");
                break;
            case AccountLogin.Outcome.Error:
                Notice(s, "Login failed: internal error. Try again later.");
                break;
            default:
                Notice(s, "Invalid account name or password.");
                break;
        }
    }

    // REGISTER <password> [email]: an account named after the current nick.
    private static async ValueTask RegisterAsync(Session s, string args)
    {
        if (!s.Server.Options.Accounts.AllowRegistration)
        {
            Notice(s, "Account registration is disabled on this server.");
            return;
        }
        if (s.User.Account is { } current)
        {
            Notice(s, $"You are already logged in as {current}.");
            return;
        }
        var words = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is 0 or > 2)
        {
            Notice(s, "Syntax: REGISTER <password> [email]");
            return;
        }
        var email = words.Length == 2 ? words[1] : null;
        if (email is not null && (email.Length > 254 || email.IndexOf('@', StringComparison.Ordinal) is <= 0 || email.EndsWith('@')))
        {
            Notice(s, $"{email} is not an e-mail address.");
            return;
        }
        var name = s.Nick;
        AccountResult result;
        try
        {
            result = await s.Server.Accounts.CreateAsync(name, words[0], email);
        }
        catch (DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
            Notice(s, "Registration failed: internal error. Try again later.");
            return;
        }
        switch (result)
        {
            case AccountResult.Ok:
                Notice(s, $"Account {name} registered.");
                AccountLogin.Complete(s, name, "NickServ REGISTER", sasl: false);
                Notice(s, $"You are now logged in as {name}.");
                break;
            case AccountResult.AlreadyExists:
                Notice(s, $"Account {name} already exists. If it is yours, IDENTIFY.");
                break;
            case AccountResult.InvalidName:
                Notice(s, $"{name} cannot be an account name (at most {AccountNames.MaxLength} characters).");
                break;
            default:
                Notice(s, $"That password is not allowed: it must have 1 to {AccountNames.MaxPasswordLength} characters, no control characters.");
                break;
        }
    }

    // PASSWD <current> <new> [<new again>]: the current password is checked (and throttled) first.
    private static async ValueTask PasswdAsync(Session s, string args)
    {
        if (s.User.Account is not { } account)
        {
            Notice(s, "You must be logged in to change your password.");
            return;
        }
        var words = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is < 2 or > 3 || (words.Length == 3 && words[1] != words[2]))
        {
            Notice(s, words.Length == 3 ? "The new passwords do not match." : "Syntax: PASSWD <current password> <new password>");
            return;
        }
        if (!await CheckPasswordAsync(s, account, words[0], "NickServ PASSWD"))
        {
            return;
        }
        try
        {
            Notice(s, await s.Server.Accounts.SetPasswordAsync(account, words[1]) switch
            {
                AccountResult.Ok => "Your password has been changed.",
                AccountResult.InvalidPassword => $"That password is not allowed: it must have 1 to {AccountNames.MaxPasswordLength} characters, no control characters.",
                _ => "Your account no longer exists.",
            });
        }
        catch (DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
            Notice(s, "Sorry, the account database failed; try again later.");
        }
    }

    // DROP <password>: deletes the account logged in to; every connection logged in to it is logged out.
    private static async ValueTask DropAsync(Session s, string args)
    {
        if (s.User.Account is not { } account)
        {
            Notice(s, "You must be logged in to the account you want to drop.");
            return;
        }
        var password = args.Trim();
        if (password.Length == 0)
        {
            Notice(s, "Syntax: DROP <password> (this deletes your account for good)");
            return;
        }
        if (!await CheckPasswordAsync(s, account, password, "NickServ DROP"))
        {
            return;
        }
        try
        {
            if (await s.Server.Accounts.DeleteAsync(account) != AccountResult.Ok)
            {
                Notice(s, "Your account no longer exists.");
                return;
            }
        }
        catch (DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
            Notice(s, "Sorry, the account database failed; try again later.");
            return;
        }
        s.Network.LogoutEverywhere(account, s.User, $"Account {account} was dropped; you are logged out.");
        Notice(s, $"Account {account} has been dropped.");
        AccountLogin.Logout(s);
    }

    // INFO [account]: registration time, who is logged in; the e-mail address only to its owner.
    private static async ValueTask InfoAsync(Session s, string args)
    {
        var name = args.Trim();
        if (name.Length == 0)
        {
            name = s.User.Account ?? s.Nick;
        }
        AccountRecord? record;
        try
        {
            record = await s.Server.Accounts.GetAsync(name);
        }
        catch (DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
            Notice(s, "Sorry, the account database failed; try again later.");
            return;
        }
        if (record is null)
        {
            Notice(s, $"{name} is not a registered account.");
            return;
        }
        Notice(s, $"Account {record.Name}");
        Notice(s, "  registered " + record.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture));
        var own = s.User.Account is { } mine && s.Network.CaseMapping.Equals(mine, record.Name);
        if (own || s.User.IsOperator)
        {
            Notice(s, "  e-mail " + (record.Email ?? "(none)"));
        }
        var nicks = s.Network.AccountNicks(record.Name);
        Notice(s, nicks.Count == 0 ? "  not logged in now" : "  logged in now as " + string.Join(", ", nicks));
    }

    // The password of the account logged in to, throttled like a login; says why when it fails.
    private static async ValueTask<bool> CheckPasswordAsync(Session s, string account, string password, string mechanism)
    {
        var result = await AccountLogin.VerifyPasswordAsync(s, account, password, mechanism);
        switch (result.Outcome)
        {
            case AccountLogin.Outcome.Ok:
                return true;
            case AccountLogin.Outcome.Throttled:
                Notice(s, $"Refused: {AccountLogin.WaitText(result.Wait)}.");
                return false;
            case AccountLogin.Outcome.Error:
                Notice(s, "Sorry, the account database failed; try again later.");
                return false;
            default:
                Notice(s, "Wrong password.");
                return false;
        }
    }

    private static void Notice(Session s, string text)
        => s.Reply(new OutboundMessage(Prefix(s), "NOTICE", s.Nick, text) { Time = s.Network.NowTag() });
}
