using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Parley.Server.Security;

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange (RFC 5802 §3 and §5, RFC 7677), without
/// channel binding (the mechanism advertised is SCRAM-SHA-256, not -PLUS):
/// <code>
/// C: n,,n=user,r=cnonce                       TryStart
/// S: r=cnonce+snonce,s=salt,i=4096            Challenge
/// C: c=biws,r=cnonce+snonce,p=proof           TryFinish: verifies the proof
/// S: v=server-signature
/// </code>
/// </summary>
/// <remarks>Owned by one session's read loop; not thread-safe.</remarks>
public sealed class ScramServerExchange
{
    /// <summary>Bytes of randomness in the server's nonce.</summary>
    private const int NonceBytes = 18;

    /// <summary>Keys the fake salts of unknown users, so repeated tries see the same salt (RFC 5802 §9).</summary>
    private static readonly byte[] FakeSaltKey = RandomNumberGenerator.GetBytes(32);

    private readonly string _gs2Header;
    private readonly string _clientFirstBare;
    private readonly string _clientNonce;
    private string? _serverFirst;
    private string? _nonce;
    private ScramCredentials? _credentials;

    private ScramServerExchange(string gs2Header, string? authzId, string username, string clientNonce, string clientFirstBare)
    {
        _gs2Header = gs2Header;
        AuthzId = authzId;
        Username = username;
        _clientNonce = clientNonce;
        _clientFirstBare = clientFirstBare;
    }

    /// <summary>The authentication identity the client claims (unescaped).</summary>
    public string Username { get; }

    /// <summary>The authorization identity, or null when the client gave none.</summary>
    public string? AuthzId { get; }

    /// <summary>A fresh server nonce: printable, no comma.</summary>
    public static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(NonceBytes));

    /// <summary>
    /// Parses the client-first-message:
    /// <c>gs2-cbind-flag "," [ authzid ] "," [reserved-mext ","] username "," nonce ["," extensions]</c>.
    /// </summary>
    public static bool TryStart(string clientFirst, [NotNullWhen(true)] out ScramServerExchange? exchange, [NotNullWhen(false)] out string? error)
    {
        exchange = null;
        var parts = clientFirst.Split(',');
        if (parts.Length < 4)
        {
            error = "invalid client-first-message";
            return false;
        }
        if (parts[0] is not ("n" or "y"))
        {
            // "p=…": the client wants channel binding, which SCRAM-SHA-256 without -PLUS has not.
            error = parts[0].StartsWith("p=", StringComparison.Ordinal) ? "channel binding is not supported" : "invalid gs2 header";
            return false;
        }
        string? authzId = null;
        if (parts[1].Length > 0)
        {
            if (!parts[1].StartsWith("a=", StringComparison.Ordinal) || !TryUnescape(parts[1][2..], out authzId) || authzId.Length == 0)
            {
                error = "invalid authzid";
                return false;
            }
        }
        if (parts[2].StartsWith("m=", StringComparison.Ordinal))
        {
            error = "extensions are not supported";
            return false;
        }
        if (!parts[2].StartsWith("n=", StringComparison.Ordinal) || !TryUnescape(parts[2][2..], out var username) || username.Length == 0)
        {
            error = "invalid username";
            return false;
        }
        if (!parts[3].StartsWith("r=", StringComparison.Ordinal) || parts[3].Length == 2 || !IsPrintable(parts[3].AsSpan(2)))
        {
            error = "invalid nonce";
            return false;
        }
        var gs2Header = parts[0] + "," + parts[1] + ",";
        exchange = new ScramServerExchange(gs2Header, authzId, username, parts[3][2..], clientFirst[gs2Header.Length..]);
        error = null;
        return true;
    }

    /// <summary>
    /// The server-first-message for these credentials (the account's, or
    /// <see cref="FakeCredentials"/> for an unknown user, so the reply does not tell which).
    /// </summary>
    public string Challenge(ScramCredentials credentials, string serverNonce)
    {
        if (_serverFirst is not null)
        {
            throw new InvalidOperationException("The challenge was already sent.");
        }
        _credentials = credentials;
        _nonce = _clientNonce + serverNonce;
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(credentials.Salt)},i={credentials.Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        return _serverFirst;
    }

    /// <summary>
    /// Checks the client-final-message <c>c=… ,r=… [,extensions] ,p=…</c>; on success gives the
    /// server-final-message <c>v=…</c> that proves the server knows the credentials too.
    /// </summary>
    public bool TryFinish(string clientFinal, [NotNullWhen(true)] out string? serverFinal)
    {
        serverFinal = null;
        if (_credentials is null || _serverFirst is null || _nonce is null)
        {
            return false;
        }
        var proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            return false;
        }
        var withoutProof = clientFinal[..proofAt];
        var parts = withoutProof.Split(',');
        if (parts.Length < 2
            || parts[0] != "c=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header))
            || parts[1] != "r=" + _nonce)
        {
            return false;
        }
        Span<byte> proof = stackalloc byte[SHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(clientFinal[(proofAt + 3)..], proof, out var proofLength) || proofLength != proof.Length)
        {
            return false;
        }
        var authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + _serverFirst + "," + withoutProof);
        var clientSignature = HMACSHA256.HashData(_credentials.StoredKey, authMessage);
        // ClientKey = ClientProof XOR ClientSignature; the proof holds if H(ClientKey) = StoredKey.
        for (var i = 0; i < proof.Length; i++)
        {
            proof[i] ^= clientSignature[i];
        }
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(proof), _credentials.StoredKey))
        {
            return false;
        }
        serverFinal = "v=" + Convert.ToBase64String(HMACSHA256.HashData(_credentials.ServerKey, authMessage));
        return true;
    }

    /// <summary>
    /// Credentials no password matches, with a salt that depends only on the name: an unknown
    /// user gets a challenge that looks like a real one (RFC 5802 §9), and fails at the proof.
    /// </summary>
    public static ScramCredentials FakeCredentials(string foldedName, int iterations)
    {
        var salt = HMACSHA256.HashData(FakeSaltKey, Encoding.UTF8.GetBytes(foldedName)).AsSpan(0, ScramCredentials.SaltBytes);
        return new ScramCredentials(salt, iterations, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
    }

    /// <summary>saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed.</summary>
    private static bool TryUnescape(string value, [NotNullWhen(true)] out string? result)
    {
        result = null;
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            result = value;
            return true;
        }
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '=')
            {
                sb.Append(value[i]);
                continue;
            }
            if (i + 2 >= value.Length)
            {
                return false;
            }
            var code = value.AsSpan(i + 1, 2);
            if (code.SequenceEqual("2C"))
            {
                sb.Append(',');
            }
            else if (code.SequenceEqual("3D"))
            {
                sb.Append('=');
            }
            else
            {
                return false;
            }
            i += 2;
        }
        result = sb.ToString();
        return true;
    }

    private static bool IsPrintable(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (c is < '!' or > '~' || c == ',')
            {
                return false;
            }
        }
        return true;
    }
}
