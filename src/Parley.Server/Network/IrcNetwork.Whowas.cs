namespace Parley.Server.Network;

/// <summary>A nick's past holder, for WHOWAS.</summary>
public sealed record WhowasEntry(string Nick, string Username, string Host, string Realname, string? Account, DateTimeOffset At);

// WHOWAS history: https://modern.ircdocs.horse/#whowas-message
public sealed partial class IrcNetwork
{
    /// <summary>How many past nicks are kept in all; the oldest go first.</summary>
    public const int WhowasCapacity = 4096;

    private readonly LinkedList<WhowasEntry> _whowas = new();

    private void RecordWhowas(IrcUser user, string nick)
    {
        _whowas.AddFirst(new WhowasEntry(nick, user.Username, user.Host, user.Realname, user.Account, Now));
        if (_whowas.Count > WhowasCapacity)
        {
            _whowas.RemoveLast();
        }
    }

    /// <summary>The most recent entries for <paramref name="nick"/>, newest first (count ≤ 0: all).</summary>
    public List<WhowasEntry> GetWhowas(string nick, int count)
    {
        lock (_gate)
        {
            var result = new List<WhowasEntry>();
            foreach (var e in _whowas)
            {
                if (CaseMapping.Equals(e.Nick, nick))
                {
                    result.Add(e);
                    if (count > 0 && result.Count >= count)
                    {
                        break;
                    }
                }
            }
            return result;
        }
    }
}
