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
}
