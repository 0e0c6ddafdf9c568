using System.Text;
using Parley.Protocol;

namespace Parley.Client;

// Registration: https://modern.ircdocs.horse/#connection-registration,
// CAP 302 https://ircv3.net/specs/extensions/capability-negotiation,
// SASL https://ircv3.net/specs/extensions/sasl-3.1
public sealed partial class IrcClient
{
    /// <summary>What the client asks for when the server offers it; everything else works without.</summary>
    private static readonly string[] WantedCaps =
    [
        "multi-prefix", "server-time", "message-tags", "batch", "account-notify", "away-notify",
        "extended-join", "cap-notify", "chghost", "draft/chathistory", MetadataCap, "sasl",
    ];

    /// <summary>In order of preference: SCRAM never sends the password.</summary>
    private static readonly string[] SaslMechanisms = ["SCRAM-SHA-256", "PLAIN"];

    /// <summary>AUTHENTICATE payloads travel in chunks of 400 base64 bytes (SASL 3.1).</summary>
    private const int SaslChunk = 400;

    private readonly HashSet<string> _caps = new(StringComparer.Ordinal);
    private volatile bool _registered;
    private bool _authFailed;

    /// <summary>PASS account:password was sent in this attempt.</summary>
    private bool _sentPass;

    /// <summary>The server refused PASS (it takes it as a server password): register without it, then try NickServ.</summary>
    private bool _skipPass;
    private string _chanTypes = "#&";

    /// <summary>The server's ISUPPORT tokens, as last seen.</summary>
    public IReadOnlyDictionary<string, string?> ServerSupport
    {
        get { lock (_gate) { return new Dictionary<string, string?>(_isupport); } }
    }

    private readonly Dictionary<string, string?> _isupport = new(StringComparer.OrdinalIgnoreCase);

    private async Task<LoginResult> RegisterAsync(LineConnection connection, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timer = Options.Time.CreateTimer(_ => deadline.Cancel(), null, Options.RegistrationTimeout, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            _caps.Clear();
        }
        Account = null;
        Nick = Options.Nick;
        _registered = false;
        var ct = deadline.Token;
        try
        {
            return await RegisterCoreAsync(connection, ct);
        }
        catch (RegistrationFailedException e)
        {
            _authFailed = true;
            await TryQuitAsync(connection);
            return new LoginResult(false, Nick, null, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new LoginResult(false, Nick, null, $"no welcome from the server within {Options.RegistrationTimeout.TotalSeconds:0} s");
        }
    }

    private async Task<LoginResult> RegisterCoreAsync(LineConnection connection, CancellationToken ct)
    {
        await connection.WriteAsync(new IrcMessage("CAP", "LS", "302"), ct);
        var available = await ReadCapLsAsync(connection, ct);

        var password = Options.Password;
        var account = Options.Account ?? Options.Nick;
        var useSasl = password is not null && available is not null && available.ContainsKey("sasl");
        if (password is not null && !useSasl && !_skipPass)
        {
            _sentPass = true;
            // PASS must come before NICK/USER; servers with accounts but no SASL take account:password.
            await connection.WriteAsync(new IrcMessage("PASS", $"{account}:{password}"), ct);
        }
        await connection.WriteAsync(new IrcMessage("NICK", Options.Nick), ct);
        await connection.WriteAsync(new IrcMessage("USER", Options.UserName ?? Options.Nick, "0", "*", Options.RealName ?? Options.Nick), ct);

        if (available is not null)
        {
            var request = WantedCaps.Where(available.ContainsKey).Where(c => c != "sasl" || useSasl).ToArray();
            if (request.Length > 0)
            {
                await connection.WriteAsync(new IrcMessage("CAP", "REQ", string.Join(' ', request)), ct);
                await ReadCapAckAsync(connection, ct);
            }
            if (useSasl && HasCap("sasl"))
            {
                var error = await AuthenticateAsync(connection, account, password!, available["sasl"], ct);
                if (error is not null)
                {
                    _authFailed = true;
                    await TryQuitAsync(connection);
                    return new LoginResult(false, Nick, null, error);
                }
            }
            await connection.WriteAsync(new IrcMessage("CAP", "END"), ct);
        }

        // Until the welcome: nick problems, PASS login results, server errors.
        while (true)
        {
            var m = await NextAsync(connection, ct);
            switch (m.Command)
            {
                case Numerics.RPL_WELCOME:
                    Nick = m.Param(0) ?? Nick;
                    _registered = true;
                    await EmitAsync(new NumericEvent(Now, m.Command, m.Parameters, m), ct);
                    return await AfterWelcomeAsync(connection, account, password, available, ct);
                case Numerics.RPL_LOGGEDIN:
                    Account = m.Param(2);
                    break;
                case "464" when _sentPass: // ERR_PASSWDMISMATCH: a server password, not an account
                    throw new IOException("the server refused PASS");
                case Numerics.ERR_SASLFAIL:
                case "464": // ERR_PASSWDMISMATCH
                    _authFailed = true;
                    await TryQuitAsync(connection);
                    return new LoginResult(false, Nick, null, "wrong nick or password" + Detail(m));
                case Numerics.ERR_NICKNAMEINUSE:
                case "432": // ERR_ERRONEUSNICKNAME
                case "436": // ERR_NICKCOLLISION
                case "437": // ERR_UNAVAILRESOURCE
                    _authFailed = true;
                    await TryQuitAsync(connection);
                    return new LoginResult(false, Nick, null, $"the nick {Options.Nick} cannot be used" + Detail(m));
                default:
                    await HandleAsync(m, ct);
                    break;
            }
        }
    }

    private async Task<LoginResult> AfterWelcomeAsync(LineConnection connection, string account, string? password,
        Dictionary<string, string?>? available, CancellationToken ct)
    {
        if (password is null || Account is not null)
        {
            return new LoginResult(true, Nick, Account, null);
        }
        if (available is not null && available.ContainsKey("sasl"))
        {
            // SASL was offered and did not log us in (handled above); nothing else to try.
            return new LoginResult(true, Nick, Account, null) { PasswordUnchecked = true };
        }
        // NickServ, the way older networks log in. No NickServ: 401, and the password was never checked.
        await connection.WriteAsync(new IrcMessage("PRIVMSG", "NickServ", $"IDENTIFY {account} {password}"), ct);
        while (true)
        {
            var m = await NextAsync(connection, ct);
            if (m.Command == Numerics.RPL_LOGGEDIN)
            {
                Account = m.Param(2);
                return new LoginResult(true, Nick, Account, null);
            }
            if (m.Command == Numerics.ERR_NOSUCHNICK && string.Equals(m.Param(1), "NickServ", StringComparison.OrdinalIgnoreCase))
            {
                return new LoginResult(true, Nick, null, null) { PasswordUnchecked = true };
            }
            if (m.Command == "NOTICE" && NickOf(m.Source).Equals("NickServ", StringComparison.OrdinalIgnoreCase)
                && m.Param(1) is { } text && (text.Contains("invalid", StringComparison.OrdinalIgnoreCase)
                    || text.Contains("incorrect", StringComparison.OrdinalIgnoreCase) || text.Contains("failed", StringComparison.OrdinalIgnoreCase)))
            {
                _authFailed = true;
                await TryQuitAsync(connection);
                return new LoginResult(false, Nick, null, "wrong nick or password (NickServ: " + text + ")");
            }
            await HandleAsync(m, ct);
        }
    }

    /// <summary>The server's capabilities (name → value), or null when it does not do CAP.</summary>
    private async Task<Dictionary<string, string?>?> ReadCapLsAsync(LineConnection connection, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var timer = Options.Time.CreateTimer(_ => wait.Cancel(), null, Options.CapLsTimeout, Timeout.InfiniteTimeSpan);
        var caps = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            while (true)
            {
                var m = await NextAsync(connection, wait.Token);
                if (m.Command == "CAP" && m.Param(1) is "LS")
                {
                    var more = m.Parameters.Count > 3 && m.Parameters[2] == "*";
                    foreach (var token in m.Parameters[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var eq = token.IndexOf('=', StringComparison.Ordinal);
                        caps[eq < 0 ? token : token[..eq]] = eq < 0 ? null : token[(eq + 1)..];
                    }
                    if (!more)
                    {
                        return caps;
                    }
                }
                else if (m.Command is "421" or "451")
                {
                    return null;
                }
                else
                {
                    await HandleAsync(m, ct);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task ReadCapAckAsync(LineConnection connection, CancellationToken ct)
    {
        while (true)
        {
            var m = await NextAsync(connection, ct);
            if (m.Command == "CAP" && m.Param(1) is "ACK" or "NAK")
            {
                if (m.Param(1) == "ACK")
                {
                    lock (_gate)
                    {
                        foreach (var cap in m.Parameters[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        {
                            if (cap.StartsWith('-'))
                            {
                                _caps.Remove(cap[1..]);
                            }
                            else
                            {
                                _caps.Add(cap);
                            }
                        }
                    }
                }
                return;
            }
            await HandleAsync(m, ct);
        }
    }

    /// <summary>SASL: SCRAM-SHA-256 when offered, else PLAIN. Null on success, else what went wrong.</summary>
    private async Task<string?> AuthenticateAsync(LineConnection connection, string account, string password, string? mechanisms, CancellationToken ct)
    {
        var offered = mechanisms?.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var order = SaslMechanisms.Where(m => offered is null || offered.Contains(m, StringComparer.OrdinalIgnoreCase)).ToArray();
        if (order.Length == 0)
        {
            return $"the server offers SASL {mechanisms}, not PLAIN or SCRAM-SHA-256";
        }
        string? error = null;
        foreach (var mechanism in order)
        {
            await connection.WriteAsync(new IrcMessage("AUTHENTICATE", mechanism), ct);
            var (challenge, failure) = await ReadAuthenticateAsync(connection, ct);
            if (challenge is null)
            {
                error = failure;
                continue; // the mechanism was refused: try the next
            }
            if (mechanism == "PLAIN")
            {
                await SendAuthenticateAsync(connection, Encoding.UTF8.GetBytes($"{account}\0{account}\0{password}"), ct);
            }
            else
            {
                var scram = new ScramClient(account, password);
                await SendAuthenticateAsync(connection, Encoding.UTF8.GetBytes(scram.ClientFirst), ct);
                var (serverFirst, fail1) = await ReadAuthenticateAsync(connection, ct);
                if (serverFirst is null)
                {
                    return "wrong nick or password" + (fail1 is null ? "" : $" ({fail1})");
                }
                if (!scram.TryClientFinal(Encoding.UTF8.GetString(serverFirst), out var clientFinal, out var scramError))
                {
                    await connection.WriteAsync(new IrcMessage("AUTHENTICATE", "*"), ct);
                    return "SASL SCRAM-SHA-256: " + scramError;
                }
                await SendAuthenticateAsync(connection, Encoding.UTF8.GetBytes(clientFinal), ct);
                var (serverFinal, fail2) = await ReadAuthenticateAsync(connection, ct);
                if (serverFinal is null)
                {
                    return "wrong nick or password" + (fail2 is null ? "" : $" ({fail2})");
                }
                if (!scram.VerifyServerFinal(Encoding.UTF8.GetString(serverFinal)))
                {
                    await connection.WriteAsync(new IrcMessage("AUTHENTICATE", "*"), ct);
                    return "SASL SCRAM-SHA-256: the server did not prove it knows the password";
                }
                await connection.WriteAsync(new IrcMessage("AUTHENTICATE", "+"), ct);
            }
            return await ReadSaslOutcomeAsync(connection, ct);
        }
        return error ?? "SASL failed";
    }

    /// <summary>Reads 900/903 (success: null) or a 90x failure.</summary>
    private async Task<string?> ReadSaslOutcomeAsync(LineConnection connection, CancellationToken ct)
    {
        while (true)
        {
            var m = await NextAsync(connection, ct);
            switch (m.Command)
            {
                case Numerics.RPL_LOGGEDIN:
                    Account = m.Param(2);
                    break;
                case Numerics.RPL_SASLSUCCESS:
                    return null;
                case Numerics.ERR_SASLFAIL:
                    return "wrong nick or password" + Detail(m);
                case "902" or "905" or "906" or "907":
                    return "SASL failed" + Detail(m);
                default:
                    await HandleAsync(m, ct);
                    break;
            }
        }
    }

    /// <summary>One AUTHENTICATE payload, chunks joined ("+" alone is empty); or null and the failure.</summary>
    private async Task<(byte[]? Payload, string? Failure)> ReadAuthenticateAsync(LineConnection connection, CancellationToken ct)
    {
        var text = new StringBuilder();
        while (true)
        {
            var m = await NextAsync(connection, ct);
            if (m.Command == "AUTHENTICATE")
            {
                var chunk = m.Param(0) ?? "+";
                if (chunk != "+")
                {
                    text.Append(chunk);
                }
                if (chunk.Length == SaslChunk)
                {
                    continue;
                }
                try
                {
                    return (Convert.FromBase64String(text.ToString()), null);
                }
                catch (FormatException)
                {
                    return (null, "the server sent a malformed AUTHENTICATE");
                }
            }
            if (m.Command is Numerics.ERR_SASLFAIL or "902" or "905" or "906" or "907" or "908")
            {
                if (m.Command == "908")
                {
                    continue; // RPL_SASLMECHS: the 904 follows
                }
                return (null, m.Param(m.Parameters.Count - 1));
            }
            await HandleAsync(m, ct);
        }
    }

    private static async Task SendAuthenticateAsync(LineConnection connection, byte[] payload, CancellationToken ct)
    {
        var text = Convert.ToBase64String(payload);
        for (var i = 0; i < text.Length; i += SaslChunk)
        {
            await connection.WriteAsync(new IrcMessage("AUTHENTICATE", text.Substring(i, Math.Min(SaslChunk, text.Length - i))), ct);
        }
        if (text.Length % SaslChunk == 0)
        {
            await connection.WriteAsync(new IrcMessage("AUTHENTICATE", "+"), ct);
        }
    }

    /// <summary>The next parsed message; answers PING; throws on the end of the stream or ERROR.</summary>
    private async Task<IrcMessage> NextAsync(LineConnection connection, CancellationToken ct)
    {
        while (true)
        {
            var line = await connection.ReadLineAsync(ct) ?? throw new IOException("the server closed the connection");
            if (!IrcParser.TryParse(line, out var m, out _))
            {
                continue;
            }
            if (m.Command == "PING")
            {
                await connection.WriteAsync(new IrcMessage("PONG", [.. m.Parameters]), ct);
                continue;
            }
            if (m.Command == "ERROR")
            {
                throw new IOException("server: " + (m.Param(0) ?? "ERROR"));
            }
            return m;
        }
    }

    private static async Task TryQuitAsync(LineConnection connection)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await connection.WriteAsync(new IrcMessage("QUIT"), timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static string Detail(IrcMessage m) => m.Parameters.Count > 1 ? $" ({m.Parameters[^1]})" : "";

    private static string NickOf(string? source)
    {
        if (source is null)
        {
            return "";
        }
        var bang = source.IndexOf('!', StringComparison.Ordinal);
        return bang < 0 ? source : source[..bang];
    }
}
