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

    /// <summary>Whether clients may create accounts themselves (NickServ REGISTER).</summary>
    public bool AllowRegistration { get; init; } = true;
}
