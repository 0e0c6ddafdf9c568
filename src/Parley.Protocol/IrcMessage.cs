namespace Parley.Protocol;

/// <summary>
/// One IRC message: optional tags and source, a verb, and up to 15 parameters.
/// Immutable; safe to share between threads.
/// </summary>
/// <remarks>https://modern.ircdocs.horse/#message-format</remarks>
public sealed class IrcMessage
{
    private static readonly IReadOnlyList<IrcTag> NoTags = [];

    public IrcMessage(string command, params string[] parameters)
        : this(null, null, command, parameters)
    {
    }

    public IrcMessage(IReadOnlyList<IrcTag>? tags, string? source, string command, IReadOnlyList<string> parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        Tags = tags ?? NoTags;
        Source = source;
        Command = command;
        Parameters = parameters;
    }

    public IReadOnlyList<IrcTag> Tags { get; }

    /// <summary>The prefix without its ':' (a server name or nick!user@host), or null.</summary>
    public string? Source { get; }

    /// <summary>The verb as sent; the parser upper-cases letters so dispatch needs no folding.</summary>
    public string Command { get; }

    public IReadOnlyList<string> Parameters { get; }

    /// <summary>The value of the tag with this key; null when absent or valueless (see <see cref="HasTag"/>).</summary>
    public string? GetTag(string key)
    {
        foreach (var tag in Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }
        return null;
    }

    public bool HasTag(string key)
    {
        foreach (var tag in Tags)
        {
            if (tag.Key == key)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The parameter at <paramref name="index"/>, or null when there are fewer.</summary>
    public string? Param(int index) => index < Parameters.Count ? Parameters[index] : null;

    /// <summary>The serialized line without CRLF, for logs and tests.</summary>
    public override string ToString() => IrcWriter.ToLine(this);
}
