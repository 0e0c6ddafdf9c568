namespace Parley.Server.Storage;

/// <summary>The expected outcomes of an account change; callers map them to replies.</summary>
public enum AccountResult
{
    Ok,
    NotFound,
    AlreadyExists,

    /// <summary>The name is not a valid account name (see <see cref="AccountNames"/>).</summary>
    InvalidName,

    /// <summary>The password is empty, too long, or holds control characters.</summary>
    InvalidPassword,
}
