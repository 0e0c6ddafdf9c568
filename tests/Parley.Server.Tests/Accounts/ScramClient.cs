using System.Security.Cryptography;
using System.Text;

namespace Parley.Server.Tests.Accounts;

/// <summary>
/// The client side of SCRAM-SHA-256 (RFC 5802 §3), written from the RFC independently of the
/// server's code, to drive a full exchange and to check the server's signature.
/// </summary>
internal sealed class ScramClient(string username, string password, string? clientNonce = null)
{
    private readonly string _nonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
    private string _clientFirstBare = "";
    private byte[] _serverSignature = [];

    public string First()
    {
        _clientFirstBare = $"n={username.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal)},r={_nonce}";
        return "n,," + _clientFirstBare;
    }

    /// <summary>The client-final-message for the server-first-message.</summary>
    public string Final(string serverFirst)
    {
        var fields = serverFirst.Split(',').ToDictionary(f => f[..1], f => f[2..]);
        var nonce = fields["r"];
        Assert.StartsWith(_nonce, nonce, StringComparison.Ordinal);
        Assert.True(nonce.Length > _nonce.Length, "the server must add its own nonce");
        var salt = Convert.FromBase64String(fields["s"]);
        var iterations = int.Parse(fields["i"], System.Globalization.CultureInfo.InvariantCulture);

        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        var withoutProof = $"c={Convert.ToBase64String("n,,"u8)},r={nonce}";
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{serverFirst},{withoutProof}");
        var clientSignature = HMACSHA256.HashData(storedKey, authMessage);
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        }
        _serverSignature = HMACSHA256.HashData(serverKey, authMessage);
        return $"{withoutProof},p={Convert.ToBase64String(proof)}";
    }

    /// <summary>Whether the server-final-message proves the server knows the credentials.</summary>
    public bool VerifyServer(string serverFinal) => serverFinal == "v=" + Convert.ToBase64String(_serverSignature);
}
