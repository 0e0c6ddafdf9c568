namespace Parley.Client;

/// <summary>What <see cref="IrcClient"/> connects to and as whom. Immutable.</summary>
public sealed record IrcClientOptions
{
    /// <summary>A host name or address literal (IPv6 with or without brackets).</summary>
    public string Host { get; init; } = "localhost";

    public int Port { get; init; } = 6667;

    /// <summary>TLS on the connection (the host name is checked against the certificate).</summary>
    public bool Tls { get; init; }

    /// <summary>
    /// A certificate to trust for this server even though no CA signed it (Parley's
    /// <c>parley mkcert</c> makes self-signed ones): the server must present exactly this
    /// certificate. Null: the system's CAs and the host name decide.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? TlsTrustedCertificate { get; init; }

    public required string Nick { get; init; }

    /// <summary>The user name (ident); the nick when null.</summary>
    public string? UserName { get; init; }

    public string? RealName { get; init; }

    /// <summary>The account to log in to; the nick when null and a password is given.</summary>
    public string? Account { get; init; }

    /// <summary>The account's password: SASL when offered, otherwise PASS account:password, then NickServ IDENTIFY.</summary>
    public string? Password { get; init; }

    public ReconnectPolicy Reconnect { get; init; } = new();

    /// <summary>How long registration may take before the attempt counts as failed.</summary>
    public TimeSpan RegistrationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for a CAP LS answer before registering without capabilities.</summary>
    public TimeSpan CapLsTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one query (WHOIS, NAMES, WHO) may wait for its end.</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages fetched per target after a reconnect when the server keeps history.</summary>
    public int HistoryLimit { get; init; } = 100;

    /// <summary>Clock for timeouts and backoff; tests pass a FakeTimeProvider.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The jitter's source; tests pass a seeded one.</summary>
    public Random Random { get; init; } = Random.Shared;

    /// <summary>Events queued for the reader before the read loop waits (backpressure, not loss).</summary>
    public int EventCapacity { get; init; } = 1024;

    /// <summary>Replaces the TCP connect (tests); the default is <see cref="AddressConnector"/>.</summary>
    public Func<CancellationToken, Task<Stream>>? Connect { get; init; }
}
