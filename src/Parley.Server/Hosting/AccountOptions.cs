namespace Parley.Server.Hosting;

/// <summary>Logins and accounts, bound from <c>Server:Accounts</c>.</summary>
public sealed record AccountOptions
{
    /// <summary>Failed logins allowed per account within <see cref="LoginThrottleSeconds"/>; then 904 until the window ends. 0: no limit.</summary>
    public int LoginFailuresPerAccount { get; init; } = 5;

    /// <summary>Failed logins allowed per client address within <see cref="LoginThrottleSeconds"/>. 0: no limit.</summary>
    public int LoginFailuresPerAddress { get; init; } = 20;

    /// <summary>The window of the login throttle, in seconds.</summary>
    public int LoginThrottleSeconds { get; init; } = 60;

    /// <summary>Whether clients may create accounts themselves (<c>REGISTER</c>, NickServ REGISTER).</summary>
    public bool AllowRegistration { get; init; } = true;

    /// <summary>
    /// Whether <c>REGISTER</c> (draft/account-registration) works before connection registration
    /// completes (the cap value <c>before-connect</c>).
    /// </summary>
    public bool RegistrationBeforeConnect { get; init; } = true;

    /// <summary>
    /// Whether registering needs an e-mail address (the cap value <c>email-required</c>). The
    /// address is stored; Parley sends no mail, so the account is usable at once either way.
    /// </summary>
    public bool RegistrationRequiresEmail { get; init; }

    /// <summary>
    /// Seconds someone who takes a registered account's nick without being logged in to that
    /// account has to log in before being renamed to a guest nick (Guest12345). 0: nicks are
    /// not protected. Checked by the sweeper, so the rename comes up to 5 s later.
    /// </summary>
    public int NickEnforcementSeconds { get; init; } = 30;

    /// <summary>Several connections to one account (section <c>Multiclient</c>).</summary>
    public MulticlientOptions Multiclient { get; init; } = new();
}

/// <summary>
/// Multiclient, as Ergo's <c>accounts.multiclient</c>: connections that log in to one account
/// (SASL or <c>PASS account:password</c> before registration) and ask for the nick a
/// connection of that account holds share that user: its nick, channels and messages.
/// https://github.com/ergochat/ergo/blob/master/docs/MANUAL.md#multiclient-bouncer
/// </summary>
public sealed record MulticlientOptions
{
    /// <summary>Whether connections may share an account's user. Off: each connection needs a nick of its own (433).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Always-on (Ergo's <c>always-on</c>): a user whose last connection ends stays, with its
    /// nick and channels, receiving messages into history, until it logs in again.
    /// <c>Disabled</c>, <c>OptIn</c> (the default, as Ergo's: accounts turn it on with
    /// <c>NickServ SET ALWAYS-ON ON</c>), <c>OptOut</c> (on unless turned off), <c>Mandatory</c>.
    /// </summary>
    public AlwaysOnPolicy AlwaysOn { get; init; } = AlwaysOnPolicy.OptIn;
}

/// <summary>Who is always-on (<see cref="MulticlientOptions.AlwaysOn"/>).</summary>
public enum AlwaysOnPolicy
{
    Disabled,
    OptIn,
    OptOut,
    Mandatory,
}
