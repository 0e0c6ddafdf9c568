using Parley.Protocol;

namespace Parley.Server.Sessions;

/// <summary>
/// A draft/multiline batch being received from a client: the lines of one PRIVMSG or NOTICE to
/// one target, collected between <c>BATCH +id</c> and <c>BATCH -id</c>.
/// https://ircv3.net/specs/extensions/multiline
/// </summary>
/// <remarks>
/// Owned by the session's read loop; not thread-safe. Bounded: <see cref="Add"/> refuses a line
/// that would pass <see cref="MaxLines"/> or <see cref="MaxBytes"/>, and a refused batch drops
/// its lines, so a batch that is never closed holds at most that much.
/// </remarks>
public sealed class MultilineBatch(string id, string target, IReadOnlyList<IrcTag>? clientTags, string? label)
{
    public const int MaxBytes = Capabilities.MultilineMaxBytes;
    public const int MaxLines = Capabilities.MultilineMaxLines;

    private readonly List<(string Text, bool Concat)> _lines = [];

    /// <summary>Why a line was refused; each maps to a FAIL BATCH code.</summary>
    public enum Error
    {
        None,

        /// <summary>MULTILINE_INVALID: not PRIVMSG/NOTICE, a different command than before, no text, a blank concat line.</summary>
        Invalid,

        /// <summary>MULTILINE_INVALID_TARGET: the line's target is not the batch's.</summary>
        InvalidTarget,

        /// <summary>MULTILINE_MAX_BYTES.</summary>
        MaxBytes,

        /// <summary>MULTILINE_MAX_LINES.</summary>
        MaxLines,
    }

    /// <summary>The client's reference tag (the <c>batch</c> tag of its lines).</summary>
    public string Id { get; } = id;

    /// <summary>The target named on <c>BATCH +id draft/multiline target</c>.</summary>
    public string Target { get; } = target;

    /// <summary>The client-only tags of the opening BATCH line: they belong to the whole message.</summary>
    public IReadOnlyList<IrcTag>? ClientTags { get; } = clientTags;

    /// <summary>The label of the opening BATCH line: the batch's response carries it.</summary>
    public string? Label { get; } = label;

    /// <summary>PRIVMSG or NOTICE, fixed by the first line; null while there is none.</summary>
    public string? Command { get; private set; }

    public IReadOnlyList<(string Text, bool Concat)> Lines => _lines;

    /// <summary>The combined message's length: the lines' bytes plus one per joining line feed.</summary>
    public int Bytes { get; private set; }

    /// <summary>
    /// The batch was refused (and the client told once): its lines are gone, and its remaining
    /// lines and its <c>BATCH -id</c> are dropped without another reply.
    /// </summary>
    public bool Failed { get; private set; }

    /// <summary>Whether some line has text (a message made only of blank lines is invalid).</summary>
    public bool HasText => _lines.Exists(l => l.Text.Length > 0);

    /// <summary>Checks and appends one line; on an error the batch is marked failed.</summary>
    public Error Add(string command, string? lineTarget, string? text, bool concat, CaseMapping mapping)
    {
        var error = Check(command, lineTarget, text, concat, mapping);
        if (error != Error.None)
        {
            Fail();
            return error;
        }
        Command = command;
        if (!concat && _lines.Count > 0)
        {
            Bytes++; // the line feed that joins it to the previous line
        }
        Bytes += System.Text.Encoding.UTF8.GetByteCount(text!);
        _lines.Add((text!, concat));
        if (Bytes > MaxBytes)
        {
            Fail();
            return Error.MaxBytes;
        }
        return Error.None;
    }

    /// <summary>Marks the batch failed and lets its lines go.</summary>
    public void Fail()
    {
        Failed = true;
        _lines.Clear();
        _lines.TrimExcess();
    }

    private Error Check(string command, string? lineTarget, string? text, bool concat, CaseMapping mapping)
    {
        if (command is not ("PRIVMSG" or "NOTICE") || (Command is not null && command != Command) || text is null)
        {
            return Error.Invalid;
        }
        if (lineTarget is null || !mapping.Equals(lineTarget, Target))
        {
            return Error.InvalidTarget;
        }
        // "Clients MUST NOT send blank lines with the draft/multiline-concat tag."
        if (concat && text.Length == 0)
        {
            return Error.Invalid;
        }
        if (_lines.Count >= MaxLines)
        {
            return Error.MaxLines;
        }
        return Error.None;
    }
}
