using System.Security.Cryptography;
using System.Text;

namespace Parley.Server.Security;

/// <summary>
/// What the server keeps of a password: SCRAM-SHA-256 credentials (RFC 5802 §3, RFC 7677).
/// SaltedPassword = PBKDF2-HMAC-SHA-256(UTF-8(password), salt, iterations);
/// ClientKey = HMAC(SaltedPassword, "Client Key"); StoredKey = SHA-256(ClientKey);
/// ServerKey = HMAC(SaltedPassword, "Server Key"). The same values verify SASL PLAIN,
/// PASS and NickServ IDENTIFY, so the password itself is never stored.
/// </summary>
/// <remarks>
/// The password is used as its UTF-8 bytes without SASLprep (RFC 4013), as Ergo does
/// (<c>NewClientUnprepped</c>) and as most IRC clients send it: the normalization SASLprep
/// needs is not available in .NET's invariant globalization mode, and preparing on one side
/// only would make a non-ASCII password fail. Immutable; safe to share.
/// </remarks>
public sealed class ScramCredentials
{
    /// <summary>
    /// PBKDF2 rounds for new credentials. RFC 7677 §4 asks for at least 4096; a PLAIN login
    /// then costs the server about as much as one SCRAM exchange costs the client (tens of ms).
    /// </summary>
    public const int DefaultIterations = 100_000;

    /// <summary>Bytes of random salt per account.</summary>
    public const int SaltBytes = 16;

    private static readonly byte[] ClientKeyLabel = "Client Key"u8.ToArray();
    private static readonly byte[] ServerKeyLabel = "Server Key"u8.ToArray();

    private readonly byte[] _salt;
    private readonly byte[] _storedKey;
    private readonly byte[] _serverKey;

    public ScramCredentials(ReadOnlySpan<byte> salt, int iterations, ReadOnlySpan<byte> storedKey, ReadOnlySpan<byte> serverKey)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        _salt = salt.ToArray();
        Iterations = iterations;
        _storedKey = storedKey.ToArray();
        _serverKey = serverKey.ToArray();
    }

    public ReadOnlySpan<byte> Salt => _salt;
    public int Iterations { get; }
    public ReadOnlySpan<byte> StoredKey => _storedKey;
    public ReadOnlySpan<byte> ServerKey => _serverKey;

    /// <summary>New credentials for <paramref name="password"/> with a fresh random salt.</summary>
    /// <exception cref="ArgumentException">The password is empty.</exception>
    public static ScramCredentials Create(string password, int iterations = DefaultIterations)
        => Derive(password, RandomNumberGenerator.GetBytes(SaltBytes), iterations);

    /// <summary>The credentials <paramref name="password"/> gives with this salt and count.</summary>
    /// <exception cref="ArgumentException">The password is empty.</exception>
    public static ScramCredentials Derive(string password, ReadOnlySpan<byte> salt, int iterations)
    {
        var salted = SaltedPassword(password, salt, iterations)
            ?? throw new ArgumentException("The password is empty.", nameof(password));
        var clientKey = HMACSHA256.HashData(salted, ClientKeyLabel);
        return new ScramCredentials(salt, iterations, SHA256.HashData(clientKey), HMACSHA256.HashData(salted, ServerKeyLabel));
    }

    /// <summary>Whether <paramref name="password"/> is the one these credentials were made from (PLAIN).</summary>
    public bool Verify(string password)
    {
        var salted = SaltedPassword(password, _salt, Iterations);
        if (salted is null)
        {
            return false;
        }
        var storedKey = SHA256.HashData(HMACSHA256.HashData(salted, ClientKeyLabel));
        return CryptographicOperations.FixedTimeEquals(storedKey, _storedKey);
    }

    /// <summary>PBKDF2 of the password's UTF-8 bytes, or null for an empty password.</summary>
    private static byte[]? SaltedPassword(string password, ReadOnlySpan<byte> salt, int iterations)
    {
        if (password.Length == 0)
        {
            return null;
        }
        return Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, SHA256.HashSizeInBytes);
    }

    public override string ToString() => $"SCRAM-SHA-256 credentials ({Iterations} iterations)";
}
