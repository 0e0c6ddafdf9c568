namespace Parley.Server.Security;

/// <summary>certfp values: the SHA-256 of a client certificate as 64 lower-case hex digits.</summary>
public static class CertFingerprints
{
    /// <summary>The fingerprint in canonical form (colons removed, lower case), or null if it is not 64 hex digits.</summary>
    public static string? Normalize(string text)
    {
        var compact = text.Replace(":", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
        return compact.Length == 64 && compact.All(char.IsAsciiHexDigit) ? compact : null;
    }
}
