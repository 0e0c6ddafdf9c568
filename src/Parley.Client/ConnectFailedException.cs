namespace Parley.Client;

/// <summary>No address of the host accepted a connection; <see cref="Attempts"/> says what was tried.</summary>
public sealed class ConnectFailedException : IOException
{
    public ConnectFailedException()
        : this("could not connect", [])
    {
    }

    public ConnectFailedException(string message)
        : this(message, [])
    {
    }

    public ConnectFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Attempts = [];
    }

    public ConnectFailedException(string message, IReadOnlyList<ConnectAttempt> attempts)
        : base(Describe(message, attempts))
    {
        Attempts = attempts;
    }

    public IReadOnlyList<ConnectAttempt> Attempts { get; }

    private static string Describe(string message, IReadOnlyList<ConnectAttempt> attempts) =>
        attempts.Count == 0 ? message : message + ": " + string.Join("; ", attempts);
}
