using Parley.Protocol;

namespace Parley.Client;

// Request/reply exchanges (WHOIS, WHO, NAMES): the replies a query takes are not reported
// as events. A query ends at its end numeric, or fails at its timeout or a lost connection.
public sealed partial class IrcClient
{
    /// <summary>Looks a nick up: online or not, account, away, idle, and the direct-chat endpoint when published.</summary>
    public async Task<WhoisResult> WhoisAsync(string nick, CancellationToken cancellationToken = default)
    {
        var replies = await QueryAsync(new IrcMessage("WHOIS", nick), m =>
        {
            if (m.Parameters.Count < 2 || !CaseMapping.Equals(m.Parameters[1], nick))
            {
                return QueryStep.Skip;
            }
            return m.Command switch
            {
                Numerics.RPL_ENDOFWHOIS or "402" => QueryStep.TakeAndEnd,
                "311" or "312" or "313" or "317" or "319" or "301" or "330" or "671" or "276" or "320" or "338" or "378" or "401" => QueryStep.Take,
                Numerics.RPL_WHOISKEYVALUE => QueryStep.Take,
                _ => QueryStep.Skip,
            };
        }, cancellationToken);
        var result = new WhoisResult(nick);
        foreach (var m in replies)
        {
            switch (m.Command)
            {
                case "401" or "402":
                    result = result with { Online = false };
                    break;
                case "311":
                    result = result with { Online = true, Nick = m.Param(1) ?? nick, User = m.Param(2), Host = m.Param(3), RealName = m.Parameters[^1] };
                    break;
                case "312":
                    result = result with { Server = m.Param(2) };
                    break;
                case "317":
                    if (long.TryParse(m.Param(2), out var idle))
                    {
                        result = result with { Idle = TimeSpan.FromSeconds(idle) };
                    }
                    break;
                case "301":
                    result = result with { Away = m.Parameters[^1] };
                    break;
                case "330":
                    result = result with { Account = m.Param(2) };
                    break;
                case "319":
                    result = result with { Channels = m.Parameters[^1] };
                    break;
                case Numerics.RPL_WHOISKEYVALUE when m.Param(2) == DirectChatKey:
                    // 760 <me> <target> <key> <visibility> :<value>
                    result = result with { DirectChat = m.Parameters[^1] };
                    break;
            }
        }
        // A server that shows metadata in WHOIS (760) shows all of it: no 760 for the key means
        // none published. One that shows none is asked.
        if (result.Online && HasCap(MetadataCap) && !replies.Any(m => m.Command == Numerics.RPL_WHOISKEYVALUE))
        {
            var endpoint = await GetMetadataAsync(nick, DirectChatKey, cancellationToken);
            result = result with { DirectChat = endpoint };
        }
        return result;
    }

    /// <summary>The metadata key under which a user publishes where it accepts direct chats ("address port").</summary>
    public const string DirectChatKey = "parley/dcc";

    /// <summary>The metadata capability: https://ircv3.net/specs/extensions/metadata</summary>
    public const string MetadataCap = "draft/metadata-3";

    /// <summary>One metadata value of a user or channel (draft/metadata-3), or null when not set or not visible.</summary>
    public async Task<string?> GetMetadataAsync(string target, string key, CancellationToken cancellationToken = default)
    {
        if (!HasCap(MetadataCap))
        {
            return null;
        }
        // The reply is a metadata batch holding one line for the one key: 761 RPL_KEYVALUE
        // <me> <target> <key> <visibility> :<value>, or 766 RPL_KEYNOTSET, or a FAIL; a FAIL
        // for the target (INVALID_TARGET, KEY_NO_PERMISSION) comes without a batch.
        var replies = await QueryAsync(new IrcMessage("METADATA", target, "GET", key), m => m.Command switch
        {
            Numerics.RPL_KEYVALUE or Numerics.RPL_KEYNOTSET when m.Param(2) == key && IsTarget(m.Param(1)) => QueryStep.TakeAndEnd,
            "FAIL" when m.Param(0) == "METADATA" => QueryStep.TakeAndEnd,
            _ => QueryStep.Skip,
        }, cancellationToken);
        return replies.FirstOrDefault(m => m.Command == Numerics.RPL_KEYVALUE)?.Parameters[^1];

        bool IsTarget(string? replied) => target == "*" || (replied is not null && CaseMapping.Equals(replied, target));
    }

    /// <summary>
    /// Publishes (or with a null value removes) a metadata value of ourselves (draft/metadata-3)
    /// and waits for the server's answer: false when the server has no metadata or refused it
    /// (a FAIL: key, value, limit, rate).
    /// </summary>
    public async Task<bool> SetMetadataAsync(string key, string? value, CancellationToken cancellationToken = default)
    {
        if (!HasCap(MetadataCap))
        {
            return false;
        }
        var request = value is null ? new IrcMessage("METADATA", "*", "SET", key) : new IrcMessage("METADATA", "*", "SET", key, value);
        var replies = await QueryAsync(request, m => m.Command switch
        {
            Numerics.RPL_KEYVALUE or Numerics.RPL_KEYNOTSET when m.Param(2) == key => QueryStep.TakeAndEnd,
            "FAIL" when m.Param(0) == "METADATA" => QueryStep.TakeAndEnd,
            _ => QueryStep.Skip,
        }, cancellationToken);
        return replies.Any(m => m.Command != "FAIL");
    }

    /// <summary>The nicks in a channel, with their prefixes (@, +).</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(string channel, CancellationToken cancellationToken = default)
    {
        var replies = await QueryAsync(new IrcMessage("NAMES", channel), m => m.Command switch
        {
            Numerics.RPL_NAMREPLY when m.Parameters.Count >= 4 && CaseMapping.Equals(m.Parameters[2], channel) => QueryStep.Take,
            Numerics.RPL_ENDOFNAMES when m.Parameters.Count >= 2 && CaseMapping.Equals(m.Parameters[1], channel) => QueryStep.TakeAndEnd,
            "403" or "401" => QueryStep.TakeAndEnd,
            _ => QueryStep.Skip,
        }, cancellationToken);
        return [.. replies.Where(m => m.Command == Numerics.RPL_NAMREPLY).SelectMany(m => m.Parameters[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries))];
    }

    /// <summary>WHO: the users matching <paramref name="mask"/> as the server shows them (nick, away, account unknown).</summary>
    public async Task<IReadOnlyList<WhoEntry>> WhoAsync(string mask, CancellationToken cancellationToken = default)
    {
        var replies = await QueryAsync(new IrcMessage("WHO", mask), m => m.Command switch
        {
            Numerics.RPL_WHOREPLY => QueryStep.Take,
            Numerics.RPL_ENDOFWHO => QueryStep.TakeAndEnd,
            "416" or "481" => QueryStep.TakeAndEnd, // too many matches, or not allowed
            _ => QueryStep.Skip,
        }, cancellationToken);
        // 352 <me> <channel> <user> <host> <server> <nick> <flags> :<hopcount> <realname>
        var seen = new HashSet<string>(CaseMapping.Comparer);
        var list = new List<WhoEntry>();
        foreach (var m in replies.Where(m => m.Command == Numerics.RPL_WHOREPLY && m.Parameters.Count >= 8))
        {
            if (seen.Add(m.Parameters[5]))
            {
                list.Add(new WhoEntry(m.Parameters[5], m.Parameters[2] + "@" + m.Parameters[3], m.Parameters[6].StartsWith('G')));
            }
        }
        return list;
    }

    /// <summary>Sends <paramref name="request"/> and collects the replies <paramref name="filter"/> takes.</summary>
    public async Task<IReadOnlyList<IrcMessage>> QueryAsync(IrcMessage request, Func<IrcMessage, QueryStep> filter, CancellationToken cancellationToken = default)
    {
        var query = new Query(filter);
        lock (_gate)
        {
            if (_queries.Count >= 32)
            {
                throw new InvalidOperationException("Too many queries at once.");
            }
            _queries.Add(query);
        }
        try
        {
            if (!await SendAsync(request, cancellationToken))
            {
                throw new IOException("not connected");
            }
            return await query.Done.Task.WaitAsync(Options.QueryTimeout, Options.Time, cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                _queries.Remove(query);
            }
        }
    }

    private bool OfferToQueries(IrcMessage m)
    {
        lock (_gate)
        {
            foreach (var query in _queries)
            {
                var step = query.Filter(m);
                if (step == QueryStep.Skip)
                {
                    continue;
                }
                if (query.Replies.Count < 1000)
                {
                    query.Replies.Add(m);
                }
                if (step == QueryStep.TakeAndEnd)
                {
                    _queries.Remove(query);
                    query.Done.TrySetResult(query.Replies);
                }
                return true;
            }
        }
        return false;
    }

    private void FailQueries()
    {
        lock (_gate)
        {
            foreach (var query in _queries)
            {
                query.Done.TrySetException(new IOException("the connection was lost"));
            }
            _queries.Clear();
        }
    }

    private sealed class Query(Func<IrcMessage, QueryStep> filter)
    {
        public Func<IrcMessage, QueryStep> Filter { get; } = filter;
        public List<IrcMessage> Replies { get; } = [];
        public TaskCompletionSource<IReadOnlyList<IrcMessage>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
