using Parley.Server.Commands;

namespace Parley.Server.Storage;

/// <summary>What an account name and password may be.</summary>
public static class AccountNames
{
    /// <summary>Account names are nicks (so REGISTER can name an account after one), at most this long.</summary>
    public const int MaxLength = 64;

    /// <summary>Longer passwords are refused: they only cost hashing time.</summary>
    public const int MaxPasswordLength = 1024;

    public static bool IsValid(string name) => NickRules.IsValid(name, MaxLength);

    /// <summary>1 to <see cref="MaxPasswordLength"/> characters, no control characters, well-formed UTF-16.</summary>
    public static bool IsValidPassword(string password)
    {
        if (password.Length is 0 or > MaxPasswordLength)
        {
            return false;
        }
        for (var i = 0; i < password.Length; i++)
        {
            var c = password[i];
            if (char.IsControl(c) || char.IsLowSurrogate(c) || (char.IsHighSurrogate(c) && (++i >= password.Length || !char.IsLowSurrogate(password[i]))))
            {
                return false;
            }
        }
        return true;
    }
}
