namespace Parley.Client;

/// <summary>The server refused the registration for a reason retrying will not fix (the nick, the password).</summary>
public sealed class RegistrationFailedException : Exception
{
    public RegistrationFailedException()
    {
    }

    public RegistrationFailedException(string message)
        : base(message)
    {
    }

    public RegistrationFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
