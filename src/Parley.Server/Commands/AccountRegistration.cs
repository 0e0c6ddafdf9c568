using System.Data.Common;
using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Sessions;
using Parley.Server.Storage;

namespace Parley.Server.Commands;

/// <summary>
/// draft/account-registration: <c>REGISTER &lt;account&gt; {&lt;email&gt; | *} &lt;password&gt;</c> and
/// <c>VERIFY &lt;account&gt; &lt;code&gt;</c>. https://ircv3.net/specs/extensions/account-registration
/// </summary>
/// <remarks>
/// As Ergo without e-mail callbacks: the account is named after the nick (an <c>&lt;account&gt;</c>
/// other than <c>*</c> or the nick is refused with <c>ACCOUNT_NAME_MUST_BE_NICK</c>), and a
/// successful REGISTER logs the client in at once (<c>REGISTER SUCCESS</c>, 900); no
/// verification code is ever issued, so VERIFY only reports <c>INVALID_CODE</c>. The older
/// two-parameter form <c>REGISTER &lt;email&gt; &lt;password&gt;</c> is taken as account <c>*</c>.
/// </remarks>
internal static class AccountRegistration
{
    public static void Register(CommandTable t)
    {
        t.Add(new("REGISTER", RegisterAsync, MinParams: 2, BeforeRegistration: true));
        t.Add(new("VERIFY", VerifyAsync, MinParams: 2, BeforeRegistration: true));
    }

    /// <summary>The capability's value: <c>before-connect</c>, <c>email-required</c>, or null for neither.</summary>
    public static string? CapValue(AccountOptions options)
    {
        var keys = new List<string>(2);
        if (options.RegistrationBeforeConnect)
        {
            keys.Add("before-connect");
        }
        if (options.RegistrationRequiresEmail)
        {
            keys.Add("email-required");
        }
        return keys.Count == 0 ? null : string.Join(',', keys);
    }

    private static async ValueTask RegisterAsync(Session s, IrcMessage m)
    {
        var (requested, email, password) = m.Parameters.Count >= 3
            ? (m.Parameters[0], m.Parameters[1], m.Parameters[2])
            : ("*", m.Parameters[0], m.Parameters[1]);
        var options = s.Server.Options.Accounts;
        var nick = s.Nick != "*" ? s.Nick : s.RequestedNick;
        var name = requested == "*" ? nick ?? "*" : requested;
        if (!options.AllowRegistration)
        {
            s.Fail("REGISTER", "TEMPORARILY_UNAVAILABLE", name, "Account registration is disabled on this server");
            return;
        }
        if (!s.IsRegistered && (!options.RegistrationBeforeConnect || s.Server.Options.Password is not null))
        {
            // Before connection registration only where allowed, and never as a way around the
            // server password.
            s.Fail("REGISTER", "COMPLETE_CONNECTION_REQUIRED", name, "Complete connection registration before registering an account");
            return;
        }
        if (s.User.Account is { } current)
        {
            s.Fail("REGISTER", "ALREADY_REGISTERED", current, $"You are already logged in as {current}");
            return;
        }
        if (nick is null)
        {
            s.Fail("REGISTER", "NEED_NICK", "*", "Choose a nick with NICK before registering");
            return;
        }
        if (!s.Network.CaseMapping.Equals(name, nick))
        {
            s.Fail("REGISTER", "ACCOUNT_NAME_MUST_BE_NICK", requested, "The account name must be your current nick");
            return;
        }
        if (s.Nick == "*" || s.Network.IsNickHeldByOther(s.User, name))
        {
            // The nick was refused as in use: it is someone else's, not to be registered from under them.
            s.Fail("REGISTER", "ACCOUNT_EXISTS", name, $"{name} is in use by someone else");
            return;
        }
        if (email == "*")
        {
            if (options.RegistrationRequiresEmail)
            {
                s.Fail("REGISTER", "INVALID_EMAIL", name, "An e-mail address is required to register");
                return;
            }
            email = null;
        }
        else if (!LooksLikeEmail(email))
        {
            s.Fail("REGISTER", "INVALID_EMAIL", name, $"{email} is not an e-mail address");
            return;
        }

        AccountResult result;
        try
        {
            result = await s.Server.Accounts.CreateAsync(name, password, email);
        }
        catch (DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
            s.Fail("REGISTER", "TEMPORARILY_UNAVAILABLE", name, "The account database failed; try again later");
            return;
        }
        switch (result)
        {
            case AccountResult.Ok:
                s.Reply("REGISTER", "SUCCESS", name, $"Account {name} registered");
                AccountLogin.Complete(s, name, "REGISTER", sasl: false);
                break;
            case AccountResult.AlreadyExists:
                s.Fail("REGISTER", "ACCOUNT_EXISTS", name, $"Account {name} already exists");
                break;
            case AccountResult.InvalidName:
                s.Fail("REGISTER", "BAD_ACCOUNT_NAME", name, $"{name} cannot be an account name (at most {AccountNames.MaxLength} characters)");
                break;
            default:
                s.Fail("REGISTER", "UNACCEPTABLE_PASSWORD", name, $"A password has 1 to {AccountNames.MaxPasswordLength} characters, no control characters");
                break;
        }
    }

    // No code is ever issued (registration needs no verification here), so none is valid.
    private static ValueTask VerifyAsync(Session s, IrcMessage m)
    {
        var account = m.Parameters[0];
        if (!s.IsRegistered && !s.Server.Options.Accounts.RegistrationBeforeConnect)
        {
            s.Fail("VERIFY", "COMPLETE_CONNECTION_REQUIRED", account, "Complete connection registration before verifying an account");
        }
        else if (s.User.Account is { } current)
        {
            s.Fail("VERIFY", "ALREADY_REGISTERED", current, $"You are already logged in as {current}");
        }
        else
        {
            s.Fail("VERIFY", "INVALID_CODE", account, "Invalid or expired verification code");
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Something@something, short enough for a mailbox (RFC 5321).</summary>
    internal static bool LooksLikeEmail(string email)
    {
        var at = email.LastIndexOf('@');
        return email.Length <= 254 && at > 0 && at < email.Length - 1 && !email.Any(char.IsWhiteSpace) && !email.Any(char.IsControl);
    }
}
