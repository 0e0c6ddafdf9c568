using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Parley.Client;

/// <summary>Loads the first certificate of a PEM file (no key needed: it is only compared).</summary>
public static class PemCertificate
{
    public static X509Certificate2 Load(string path)
    {
        var text = File.ReadAllText(path);
        var span = text.AsSpan();
        while (PemEncoding.TryFind(span, out var fields))
        {
            if (span[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                var der = Convert.FromBase64String(span[fields.Base64Data].ToString());
                return X509CertificateLoader.LoadCertificate(der);
            }
            span = span[fields.Location.End..];
        }
        throw new InvalidDataException($"{path} holds no PEM certificate");
    }
}
