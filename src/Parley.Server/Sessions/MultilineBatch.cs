using Parley.Protocol;

namespace Parley.Server.Sessions;

/// <summary>
/// A draft/multiline batch being received from a client: the lines of one message to one
/// target. https://ircv3.net/specs/extensions/multiline
/// </summary>
public sealed class MultilineBatch(string id, string target, IReadOnlyList<IrcTag> openingTags)
{
    public string Id { get; } = id;
    public string Target { get; } = target;
    public IReadOnlyList<IrcTag> OpeningTags { get; } = openingTags;
    public List<IrcMessage> Lines { get; } = [];
    public int Bytes { get; set; }
}
