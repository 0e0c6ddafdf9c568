namespace Parley.Client;

/// <summary>How a connect-and-register went. On failure the client is disconnected.</summary>
public sealed record LoginResult(bool Success, string Nick, string? Account, string? Error)
{
    /// <summary>A password was given, but the server has no way to check it (no SASL, PASS ignored, no NickServ).</summary>
    public bool PasswordUnchecked { get; init; }
}
