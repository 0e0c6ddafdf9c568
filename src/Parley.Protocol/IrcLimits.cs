namespace Parley.Protocol;

/// <summary>Size limits of the wire format, each from the spec that sets it.</summary>
public static class IrcLimits
{
    /// <summary>A message without its tags is at most 512 bytes including CRLF (RFC 1459 §2.3, Modern IRC).</summary>
    public const int MaxLineBytes = 512;

    /// <summary>The same limit without the CRLF: what is left once the framer strips the line ending.</summary>
    public const int MaxLineBodyBytes = MaxLineBytes - 2;

    /// <summary>The tags section, '@' and trailing space included, is at most 8191 bytes (message-tags spec).</summary>
    public const int MaxTagsBytes = 8191;

    /// <summary>Tags a client may send: 4094 bytes of client-only tag data (message-tags spec).</summary>
    public const int MaxClientTagsBytes = 4094;

    /// <summary>The longest framed line we accept: tags plus body. Longer lines are cut off with 417.</summary>
    public const int MaxFramedLineBytes = MaxTagsBytes + MaxLineBytes;

    /// <summary>A message has at most 15 parameters (RFC 1459 §2.3.1).</summary>
    public const int MaxParameters = 15;
}
