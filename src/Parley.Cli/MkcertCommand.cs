using Parley.Server.Security;
using Parley.Server.Storage;

namespace Parley.Cli;

/// <summary>
/// <c>parley mkcert</c>: writes a self-signed certificate and its key (PEM) for the TLS listener,
/// by default into the data directory, where <c>parley serve --tls-listen</c> looks for them.
/// </summary>
internal static class MkcertCommand
{
    public const string CertificateFile = "tls-cert.pem";
    public const string KeyFile = "tls-key.pem";

    public const string Usage = """
        usage: parley mkcert [options]

        Writes a self-signed TLS certificate and its private key (PEM, ECDSA P-256) for
        parley serve --tls-listen. Clients must be told to accept it (it is signed by no CA).

          --data-dir DIR   where to write tls-cert.pem and tls-key.pem
                           (default: $PARLEY_Server__DataDir, else ./parley-data)
          --cert FILE      write the certificate here instead
          --key FILE       write the key here instead (created readable by its owner only)
          --name HOST      a name or address the certificate is for; repeatable
                           (always included: localhost, 127.0.0.1, ::1)
          --days N         validity in days (default 365)
          --force          replace existing files
          -h, --help       this help
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider? time = null)
    {
        if (args.Contains("-h") || args.Contains("--help"))
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        var dataDir = Environment.GetEnvironmentVariable("PARLEY_Server__DataDir") is { Length: > 0 } env ? env : "parley-data";
        string? cert = null, key = null;
        var names = new List<string>();
        var days = 365;
        var force = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Value()
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"option {args[i]} needs a value");
                }
                return args[++i];
            }
            try
            {
                switch (args[i])
                {
                    case "--data-dir": dataDir = Value(); break;
                    case "--cert": cert = Value(); break;
                    case "--key": key = Value(); break;
                    case "--name": names.Add(Value()); break;
                    case "--days":
                        var text = Value();
                        if (!int.TryParse(text, out days) || days < 1 || days > 3650)
                        {
                            throw new ArgumentException($"--days must be a number of days from 1 to 3650, not '{text}'");
                        }
                        break;
                    case "--force": force = true; break;
                    default: throw new ArgumentException($"unknown option '{args[i]}' (see parley mkcert --help)");
                }
            }
            catch (ArgumentException ex)
            {
                stderr.WriteLine($"parley mkcert: {ex.Message}");
                return 2;
            }
        }
        cert ??= Path.Combine(dataDir, CertificateFile);
        key ??= Path.Combine(dataDir, KeyFile);
        if (!force && (File.Exists(cert) || File.Exists(key)))
        {
            stderr.WriteLine($"parley mkcert: {(File.Exists(cert) ? cert : key)} exists (--force replaces it)");
            return 1;
        }
        foreach (var n in new[] { "localhost", "127.0.0.1", "::1" })
        {
            if (!names.Contains(n, StringComparer.OrdinalIgnoreCase))
            {
                names.Add(n);
            }
        }
        var (certPem, keyPem) = TlsCertificate.CreateSelfSigned(names, TimeSpan.FromDays(days), (time ?? TimeProvider.System).GetUtcNow());
        try
        {
            AtomicFile.Write(key, keyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            AtomicFile.Write(cert, certPem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"parley mkcert: cannot write: {ex.Message}");
            return 1;
        }
        stdout.WriteLine($"parley mkcert: wrote {cert} and {key} (self-signed for {string.Join(", ", names)}, {days} days)");
        using var loaded = TlsCertificate.Load(cert, key);
        stdout.WriteLine($"SHA-256 fingerprint: {TlsCertificate.Fingerprint(loaded)}");
        return 0;
    }
}
