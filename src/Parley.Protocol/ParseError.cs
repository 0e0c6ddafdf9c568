namespace Parley.Protocol;

/// <summary>Why a line could not be parsed; the server maps each to a reply.</summary>
public enum ParseError
{
    None = 0,

    /// <summary>The line was empty or only spaces: ignored silently (Modern IRC).</summary>
    Empty,

    /// <summary>The part after the tags exceeds 510 bytes (512 with CRLF): 417 ERR_INPUTTOOLONG.</summary>
    LineTooLong,

    /// <summary>The tags section exceeds 8191 bytes: 417 ERR_INPUTTOOLONG.</summary>
    TagsTooLong,

    /// <summary>
    /// A tag prefix, source or verb without anything after it, a verb that is neither letters
    /// nor three digits, or a NUL, CR or LF byte anywhere in the line.
    /// </summary>
    Malformed,
}
