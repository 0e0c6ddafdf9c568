using System.Security.Cryptography;
using System.Text;

namespace Parley.Client;

/// <summary>
/// The client side of one SCRAM-SHA-256 exchange (RFC 5802 §3, RFC 7677), without channel
/// binding:
/// <code>
/// C: n,,n=user,r=cnonce                       ClientFirst
/// S: r=cnonce+snonce,s=salt,i=4096            TryClientFinal → c=biws,r=…,p=proof
/// S: v=server-signature                       VerifyServerFinal
/// </code>
/// </summary>
/// <remarks>Used by one registration at a time; not thread-safe.</remarks>
public sealed class ScramClient
{
    /// <summary>Refuse iteration counts that would be a denial of service on the client.</summary>
    private const int MaxIterations = 1_000_000;

    private readonly string _username;
    private readonly string _password;
    private readonly string _clientNonce;
    private byte[]? _serverSignature;

    public ScramClient(string username, string password, string? clientNonce = null)
    {
        _username = username;
        _password = password;
        _clientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
    }

    private string ClientFirstBare => $"n={Escape(_username)},r={_clientNonce}";

    /// <summary>The client-first-message: GS2 header "n,," (no channel binding, no authzid) and the bare part.</summary>
    public string ClientFirst => "n,," + ClientFirstBare;

    /// <summary>Answers the server-first-message with the client-final-message, or gives an error.</summary>
    public bool TryClientFinal(string serverFirst, out string clientFinal, out string? error)
    {
        clientFinal = "";
        string? nonce = null, salt = null;
        var iterations = 0;
        foreach (var part in serverFirst.Split(','))
        {
            if (part.StartsWith("r=", StringComparison.Ordinal))
            {
                nonce = part[2..];
            }
            else if (part.StartsWith("s=", StringComparison.Ordinal))
            {
                salt = part[2..];
            }
            else if (part.StartsWith("i=", StringComparison.Ordinal))
            {
                _ = int.TryParse(part.AsSpan(2), out iterations);
            }
            else if (part.StartsWith("m=", StringComparison.Ordinal))
            {
                error = "the server requires a SCRAM extension";
                return false;
            }
        }
        if (nonce is null || salt is null || iterations <= 0)
        {
            error = "malformed server-first-message";
            return false;
        }
        if (!nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length)
        {
            error = "the server's nonce does not extend ours";
            return false;
        }
        if (iterations > MaxIterations)
        {
            error = $"iteration count {iterations} is too high";
            return false;
        }
        byte[] saltBytes;
        try
        {
            saltBytes = Convert.FromBase64String(salt);
        }
        catch (FormatException)
        {
            error = "the salt is not base64";
            return false;
        }

        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(_password), saltBytes, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        var withoutProof = $"c=biws,r={nonce}"; // biws = base64("n,,")
        var authMessage = Encoding.UTF8.GetBytes($"{ClientFirstBare},{serverFirst},{withoutProof}");
        var clientSignature = HMACSHA256.HashData(storedKey, authMessage);
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        }
        _serverSignature = HMACSHA256.HashData(serverKey, authMessage);
        clientFinal = $"{withoutProof},p={Convert.ToBase64String(proof)}";
        error = null;
        return true;
    }

    /// <summary>True when the server-final-message proves the server knew the credentials.</summary>
    public bool VerifyServerFinal(string serverFinal)
    {
        if (_serverSignature is null || !serverFinal.StartsWith("v=", StringComparison.Ordinal))
        {
            return false;
        }
        try
        {
            var signature = Convert.FromBase64String(serverFinal[2..]);
            return CryptographicOperations.FixedTimeEquals(signature, _serverSignature);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    // RFC 5802 §5.1: ',' and '=' in a saslname are written =2C and =3D.
    private static string Escape(string name) => name.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
}
