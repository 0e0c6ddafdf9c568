using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Parley.Server.Security;

/// <summary>
/// The TLS certificate: loaded from PEM files (a certificate chain and its private key),
/// made self-signed for <c>parley mkcert</c>, and fingerprinted for certfp.
/// </summary>
public static class TlsCertificate
{
    /// <summary>
    /// Loads a certificate and its key from PEM files. Throws <see cref="InvalidOperationException"/>
    /// with a one-line reason when a file is missing, unreadable, or not a matching pair.
    /// </summary>
    public static X509Certificate2 Load(string certificatePath, string keyPath)
    {
        foreach (var (what, path) in new[] { ("certificate", certificatePath), ("key", keyPath) })
        {
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"TLS {what} file '{path}' not found");
            }
        }
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // A certificate whose key came from a PEM file has an ephemeral key; SslStream on
            // Linux takes it as is, but a PKCS#12 round trip makes it behave the same everywhere.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"cannot load the TLS certificate '{certificatePath}' with key '{keyPath}': {ex.Message.Split('\n')[0].Trim()}", ex);
        }
    }

    /// <summary>certfp: the SHA-256 of the certificate (DER), lower-case hex, as Ergo and InspIRCd show it.</summary>
    public static string Fingerprint(X509Certificate certificate)
        => Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData()));

    /// <summary>
    /// A self-signed certificate (ECDSA P-256, SHA-256) for <paramref name="names"/>: DNS names,
    /// and IP addresses as IP subject alternative names. Returns the PEM texts.
    /// </summary>
    public static (string CertificatePem, string KeyPem) CreateSelfSigned(IReadOnlyList<string> names, TimeSpan validity, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(name);
            }
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(validity));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
