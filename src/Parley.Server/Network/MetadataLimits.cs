using System.Globalization;
using System.Text;

namespace Parley.Server.Network;

/// <summary>
/// draft/metadata-3 limits and key rules, advertised in the capability's value.
/// https://ircv3.net/specs/extensions/metadata#draftmetadata-2-capability
/// </summary>
/// <remarks>
/// The sizes keep every reply on one line: the longest, <c>:server 761 nick #channel key * :value</c>
/// with a 64-byte server name, a 30-byte nick, a 64-byte channel and a 64-byte key, is
/// 235 bytes before the value, so a 256-byte value still fits in 510.
/// </remarks>
public static class MetadataLimits
{
    /// <summary>max-subs: keys one client may subscribe to.</summary>
    public const int MaxSubs = 100;

    /// <summary>max-keys: keys one user (or one channel) may hold.</summary>
    public const int MaxKeys = 20;

    /// <summary>max-value-bytes: the longest value, in UTF-8 bytes.</summary>
    public const int MaxValueBytes = 256;

    /// <summary>The longest key name. The spec sets none; ours keeps replies on one line.</summary>
    public const int MaxKeyLength = 64;

    /// <summary>
    /// A JOIN sends the channel's metadata and its members' (for the keys the joiner subscribes
    /// to) when it is at most this many lines; beyond, 774 RPL_METADATASYNCLATER says to use
    /// METADATA SYNC (the spec's postponed synchronization for large channels).
    /// </summary>
    public const int JoinSyncMaxLines = 100;

    /// <summary>The capability's value: METADATA works before registration, and the limits.</summary>
    public static readonly string CapValue = string.Create(CultureInfo.InvariantCulture,
        $"before-connect,max-subs={MaxSubs},max-keys={MaxKeys},max-value-bytes={MaxValueBytes}");

    /// <summary>A valid key: one or more of <c>a-z 0-9 _ . / -</c>, at most <see cref="MaxKeyLength"/>.</summary>
    /// <remarks>https://ircv3.net/specs/extensions/metadata#keys-and-values</remarks>
    public static bool IsValidKey(string key)
    {
        if (key.Length == 0 || key.Length > MaxKeyLength)
        {
            return false;
        }
        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '.' or '/' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A value that fits (UTF-8 validity is the connection's: such a line never gets here).</summary>
    public static bool IsValidValue(string value) => Encoding.UTF8.GetByteCount(value) <= MaxValueBytes;
}
