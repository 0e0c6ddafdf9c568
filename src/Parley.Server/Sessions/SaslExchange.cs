using Parley.Server.Security;

namespace Parley.Server.Sessions;

/// <summary>
/// One SASL exchange in progress: the mechanism, the client's response being reassembled
/// from 400-byte AUTHENTICATE chunks, and the mechanism's own state (SCRAM).
/// https://ircv3.net/specs/extensions/sasl-3.1#the-authenticate-command
/// </summary>
/// <remarks>Owned by the session's read loop.</remarks>
public sealed class SaslExchange(string mechanism)
{
    /// <summary>AUTHENTICATE carries base64 in chunks of this many bytes; a shorter one (or "+") ends a response.</summary>
    public const int ChunkLength = 400;

    /// <summary>The most decoded bytes one response may hold (Ergo's limit): bounded input.</summary>
    public const int MaxResponseBytes = 8192;

    private byte[] _buffer = [];
    private int _length;

    public string Mechanism { get; } = mechanism;

    /// <summary>SCRAM-SHA-256: the exchange after the client-first-message.</summary>
    public ScramServerExchange? Scram { get; set; }

    /// <summary>SCRAM-SHA-256: the account's display name, or null when the claimed user is unknown.</summary>
    public string? AccountName { get; set; }

    /// <summary>SCRAM-SHA-256: the server-final-message was sent; the client's empty response ends the exchange.</summary>
    public bool ScramVerified { get; set; }

    public enum ChunkResult
    {
        /// <summary>A 400-byte chunk: more follows.</summary>
        NeedMore,
        Complete,
        TooLong,
        LimitExceeded,
        InvalidBase64,
    }

    /// <summary>Adds one AUTHENTICATE parameter; on <see cref="ChunkResult.Complete"/>, <paramref name="response"/> is the decoded response.</summary>
    public ChunkResult Add(string chunk, out byte[] response)
    {
        response = [];
        if (chunk == "+")
        {
            response = _buffer.AsSpan(0, _length).ToArray();
            _length = 0;
            return ChunkResult.Complete;
        }
        if (chunk.Length > ChunkLength)
        {
            return ChunkResult.TooLong;
        }
        // Base64: at most 3 bytes per 4 characters, less the padding.
        var room = (chunk.Length + 3) / 4 * 3;
        var padding = chunk.EndsWith("==", StringComparison.Ordinal) ? 2 : chunk.EndsWith('=') ? 1 : 0;
        if (_length + room - padding > MaxResponseBytes)
        {
            return ChunkResult.LimitExceeded;
        }
        if (_buffer.Length < _length + room)
        {
            Array.Resize(ref _buffer, Math.Max(_length + room, _buffer.Length * 2));
        }
        if (!Convert.TryFromBase64String(chunk, _buffer.AsSpan(_length), out var written))
        {
            return ChunkResult.InvalidBase64;
        }
        _length += written;
        if (chunk.Length == ChunkLength)
        {
            return ChunkResult.NeedMore;
        }
        response = _buffer.AsSpan(0, _length).ToArray();
        _length = 0;
        return ChunkResult.Complete;
    }
}
