using System.Globalization;
using Parley.Protocol;

namespace Parley.Server.Network;

/// <summary>
/// LIST's channel names and ELIST conditions (ISUPPORT <c>ELIST=CMNTU</c>), parsed once and
/// matched against each channel. https://modern.ircdocs.horse/#list-message and
/// https://modern.ircdocs.horse/#elist-parameter
/// </summary>
/// <remarks>
/// C and T count minutes back from now, as modern-irc PR 171 settled: <c>C&lt;n</c> is "created
/// less than n minutes ago", <c>C&gt;n</c> "more than n minutes ago"; T likewise for the time the
/// topic was last set (a channel whose topic was never set fails every T condition).
/// </remarks>
public sealed class ChannelListQuery
{
    /// <summary>Exact channel names to list; empty for all channels.</summary>
    public List<string> Names { get; } = [];

    /// <summary>M: a channel must match one of these masks (when there are any).</summary>
    public List<string> Masks { get; } = [];

    /// <summary>N: a channel must match none of these masks.</summary>
    public List<string> NotMasks { get; } = [];

    /// <summary>U: more than this many users.</summary>
    public int? MoreUsersThan { get; private set; }

    /// <summary>U: fewer than this many users.</summary>
    public int? FewerUsersThan { get; private set; }

    public TimeSpan? CreatedMoreThan { get; private set; }
    public TimeSpan? CreatedLessThan { get; private set; }
    public TimeSpan? TopicMoreThan { get; private set; }
    public TimeSpan? TopicLessThan { get; private set; }

    /// <summary>
    /// Reads every parameter as comma-separated items: <c>&gt;n</c> <c>&lt;n</c>,
    /// <c>C&gt;n</c> <c>C&lt;n</c>, <c>T&gt;n</c> <c>T&lt;n</c>, <c>!mask</c>, a mask with
    /// <c>*</c> or <c>?</c>, or a channel name. Items that do not parse are ignored.
    /// </summary>
    public static ChannelListQuery Parse(IEnumerable<string> parameters)
    {
        var q = new ChannelListQuery();
        foreach (var parameter in parameters)
        {
            foreach (var item in parameter.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                q.Add(item);
            }
        }
        return q;
    }

    private void Add(string item)
    {
        switch (item[0])
        {
            case '>':
                if (TryNumber(item.AsSpan(1), out var more))
                {
                    MoreUsersThan = more;
                }
                return;
            case '<':
                if (TryNumber(item.AsSpan(1), out var fewer))
                {
                    FewerUsersThan = fewer;
                }
                return;
            case 'C' or 'c' or 'T' or 't' when item.Length > 2 && item[1] is '<' or '>':
                if (TryNumber(item.AsSpan(2), out var minutes))
                {
                    var span = TimeSpan.FromMinutes(minutes);
                    var topic = item[0] is 'T' or 't';
                    if (item[1] == '>')
                    {
                        if (topic) { TopicMoreThan = span; } else { CreatedMoreThan = span; }
                    }
                    else
                    {
                        if (topic) { TopicLessThan = span; } else { CreatedLessThan = span; }
                    }
                }
                return;
            case '!' when item.Length > 1:
                NotMasks.Add(item[1..]);
                return;
        }
        if (item.AsSpan().IndexOfAny('*', '?') >= 0)
        {
            Masks.Add(item);
        }
        else
        {
            Names.Add(item);
        }
    }

    private static bool TryNumber(ReadOnlySpan<char> s, out int value)
        => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>Whether a channel with <paramref name="userCount"/> visible users passes every condition.</summary>
    public bool Matches(Channel channel, int userCount, DateTimeOffset now, CaseMapping mapping)
        => Matches(channel.Name, channel.CreatedAt, channel.TopicSetAt, userCount, now, mapping);

    /// <summary>Whether a channel (by its name, creation and topic times) with <paramref name="userCount"/> visible users passes every condition.</summary>
    public bool Matches(string name, DateTimeOffset createdAt, DateTimeOffset topicSetAt, int userCount, DateTimeOffset now, CaseMapping mapping)
    {
        if (MoreUsersThan is int more && userCount <= more)
        {
            return false;
        }
        if (FewerUsersThan is int fewer && userCount >= fewer)
        {
            return false;
        }
        var age = now - createdAt;
        if ((CreatedMoreThan is { } cm && age <= cm) || (CreatedLessThan is { } cl && age >= cl))
        {
            return false;
        }
        if (TopicMoreThan is not null || TopicLessThan is not null)
        {
            if (topicSetAt == default)
            {
                return false;
            }
            var topicAge = now - topicSetAt;
            if ((TopicMoreThan is { } tm && topicAge <= tm) || (TopicLessThan is { } tl && topicAge >= tl))
            {
                return false;
            }
        }
        if (Masks.Count > 0 && !Masks.Exists(m => HostMask.Matches(m, name, mapping)))
        {
            return false;
        }
        return !NotMasks.Exists(m => HostMask.Matches(m, name, mapping));
    }
}
