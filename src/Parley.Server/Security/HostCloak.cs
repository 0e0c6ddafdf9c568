using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Parley.Server.Connections;

namespace Parley.Server.Security;

/// <summary>
/// IP cloaking: the host others see is a keyed HMAC-SHA256 of the client's address (IPv4 whole,
/// IPv6 by its /64, so one subscriber's privacy addresses share a cloak), base32 and a suffix,
/// e.g. <c>k7d2q9xm4ahw3bzt.parley</c>. Without the key the address cannot be recovered or
/// tested by guessing; with the same key (kept in the data directory) a user keeps the same
/// cloak across restarts, so bans on cloaks hold. Operators still see the real address
/// (WHOIS 338, WHOX %i).
/// </summary>
public sealed class HostCloak(byte[] key, string suffix, int prefixV6 = 64)
{
    /// <summary>The key file in the data directory, made on first start.</summary>
    public const string KeyFile = "cloak.key";

    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";

    public string Suffix { get; } = suffix;

    /// <summary>The cloak of <paramref name="host"/> (an address as text); a host that is not an address is kept.</summary>
    public string Apply(string host)
    {
        if (!IPAddress.TryParse(host, out var address))
        {
            return host;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address = ConnectionLimiter.Mask(address, prefixV6);
        }
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(key, address.GetAddressBytes(), hash);
        var text = new StringBuilder(16 + 1 + Suffix.Length);
        // 16 base32 characters: 80 bits.
        for (var i = 0; i < 16; i++)
        {
            var bit = i * 5;
            var value = ((hash[bit / 8] << 8) | hash[(bit / 8) + 1]) >> (11 - (bit % 8)) & 31;
            text.Append(Base32[value]);
        }
        return text.Append('.').Append(Suffix).ToString();
    }

    /// <summary>
    /// The key: read from <c>cloak.key</c> in <paramref name="dataDir"/>, or made (32 random
    /// bytes, written atomically, readable by the owner only) when the file does not exist.
    /// </summary>
    public static byte[] LoadOrCreateKey(string dataDir)
    {
        var path = Path.Combine(dataDir, KeyFile);
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            try
            {
                var existing = Convert.FromBase64String(text);
                if (existing.Length >= 16)
                {
                    return existing;
                }
            }
            catch (FormatException)
            {
            }
            throw new InvalidOperationException($"the cloak key '{path}' is damaged: delete it to make a new one (every cloak will change)");
        }
        var key = RandomNumberGenerator.GetBytes(32);
        Storage.AtomicFile.Write(path, Convert.ToBase64String(key) + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }
}
