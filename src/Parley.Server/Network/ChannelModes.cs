using System.Globalization;
using System.Text;
using Parley.Protocol;

namespace Parley.Server.Network;

/// <summary>
/// Channel modes as pure functions over a <see cref="Channel"/> (ARCHITECTURE.md rule 3):
/// parse MODE's arguments, apply them with the actor's privileges, format the result.
/// https://modern.ircdocs.horse/#mode-message and https://modern.ircdocs.horse/#channel-modes
/// </summary>
/// <remarks>No locking, no delivery: the caller holds Network's lock while it applies.</remarks>
public static class ChannelModes
{
    /// <summary>ISUPPORT MODES: the most changes with a parameter one MODE command may carry. More are dropped.</summary>
    public const int MaxParameterModes = 6;

    /// <summary>Type A: lists (ban, exception, invite exception). Always take a parameter, except to show the list.</summary>
    public const string ListModes = "beI";

    /// <summary>Flags: never a parameter.</summary>
    public const string FlagModes = "imnst";

    public static ChannelModeFlags FlagFor(char mode) => mode switch
    {
        'i' => ChannelModeFlags.InviteOnly,
        'm' => ChannelModeFlags.Moderated,
        'n' => ChannelModeFlags.NoExternal,
        's' => ChannelModeFlags.Secret,
        't' => ChannelModeFlags.TopicLock,
        _ => ChannelModeFlags.None,
    };

    /// <summary>
    /// Parses <c>&lt;modestring&gt; [&lt;mode arguments&gt;...]</c> starting at
    /// <paramref name="start"/>, as Ergo does: a list mode without a mask shows the list; +k, +l,
    /// +o, +v without their parameter are dropped; -k takes a parameter if there is one (any
    /// value) and -l takes none. Past <see cref="MaxParameterModes"/> parameters, changes that
    /// need one are dropped.
    /// </summary>
    public static ModeRequest Parse(IReadOnlyList<string> args, int start)
    {
        var changes = new List<ModeChange>();
        var unknown = new List<char>();
        if (args.Count <= start)
        {
            return new ModeRequest(changes, unknown);
        }
        var op = ModeOp.List;
        var next = start + 1;
        var taken = 0;
        bool TryTake(out string arg)
        {
            if (next < args.Count && taken < MaxParameterModes)
            {
                arg = args[next++];
                taken++;
                return true;
            }
            arg = "";
            return false;
        }

        foreach (var c in args[start])
        {
            switch (c)
            {
                case '+':
                    op = ModeOp.Add;
                    break;
                case '-':
                    op = ModeOp.Remove;
                    break;
                case 'b' or 'e' or 'I':
                    if (op == ModeOp.List || next >= args.Count)
                    {
                        changes.Add(new ModeChange(ModeOp.List, c));
                    }
                    else if (TryTake(out var mask))
                    {
                        changes.Add(new ModeChange(op, c, mask));
                    }
                    break;
                case 'o' or 'v':
                    if (op != ModeOp.List && TryTake(out var nick))
                    {
                        changes.Add(new ModeChange(op, c, nick));
                    }
                    break;
                case 'k':
                    if (op == ModeOp.Add)
                    {
                        if (TryTake(out var key))
                        {
                            changes.Add(new ModeChange(op, c, key));
                        }
                    }
                    else if (op == ModeOp.Remove)
                    {
                        // Type B: -k has a parameter, but any value will do (shown as "*", as Ergo).
                        _ = TryTake(out _);
                        changes.Add(new ModeChange(op, c, "*"));
                    }
                    else
                    {
                        changes.Add(new ModeChange(op, c));
                    }
                    break;
                case 'l':
                    if (op == ModeOp.Add)
                    {
                        if (TryTake(out var limit))
                        {
                            changes.Add(new ModeChange(op, c, limit));
                        }
                    }
                    else
                    {
                        changes.Add(new ModeChange(op, c));
                    }
                    break;
                default:
                    if (FlagFor(c) != ChannelModeFlags.None)
                    {
                        changes.Add(new ModeChange(op, c));
                    }
                    else if (!unknown.Contains(c))
                    {
                        // Each unknown letter once: a line of them must not become hundreds of 472s.
                        unknown.Add(c);
                    }
                    break;
            }
        }
        return new ModeRequest(changes, unknown);
    }

    /// <summary>
    /// Applies <paramref name="request"/> to <paramref name="channel"/> on behalf of
    /// <paramref name="actor"/>. Changes need channel-operator status, except showing the ban
    /// list or the modes, and removing one's own o or v; showing e and I needs it too (as Ergo).
    /// Changes that change nothing are dropped.
    /// </summary>
    /// <param name="findUser">Looks a registered user up by nick (for o and v).</param>
    public static ModeApplyResult Apply(
        Channel channel,
        IrcUser actor,
        ModeRequest request,
        CaseMapping mapping,
        int maxListEntries,
        DateTimeOffset now,
        Func<string, IrcUser?> findUser)
    {
        var result = new ModeApplyResult();
        var isOp = ChannelRules.IsOperator(channel, actor);
        var privilegeRefused = false;
        var fullListsWarned = "";
        var showModes = request.IsQuery;

        foreach (var change in request.Changes)
        {
            if (!HasPrivilege(change, isOp, actor, mapping))
            {
                if (!privilegeRefused)
                {
                    privilegeRefused = true;
                    result.Errors.Add(new ModeError(ModeErrorKind.ChanOpPrivsNeeded, change.Mode));
                }
                continue;
            }
            switch (change.Mode)
            {
                case 'b' or 'e' or 'I':
                    ApplyList(channel, actor, change, mapping, maxListEntries, now, result, ref fullListsWarned);
                    break;
                case 'o' or 'v':
                    ApplyMember(channel, change, findUser, result);
                    break;
                case 'k':
                    ApplyKey(channel, change, result, ref showModes);
                    break;
                case 'l':
                    ApplyLimit(channel, change, result, ref showModes);
                    break;
                default:
                    if (change.Op == ModeOp.List)
                    {
                        showModes = true;
                        break;
                    }
                    var flag = FlagFor(change.Mode);
                    var on = change.Op == ModeOp.Add;
                    if (channel.Has(flag) == on)
                    {
                        // Already so: Ergo answers with RPL_CHANNELMODEIS when nothing else changes.
                        showModes = true;
                        break;
                    }
                    channel.Flags = on ? channel.Flags | flag : channel.Flags & ~flag;
                    result.Applied.Add(change);
                    break;
            }
        }
        result.ShowModes = showModes && result.Applied.Count == 0 && !privilegeRefused;
        return result;
    }

    private static bool HasPrivilege(ModeChange change, bool isOp, IrcUser actor, CaseMapping mapping)
    {
        if (isOp)
        {
            return true;
        }
        return change.Mode switch
        {
            // "There is no restriction, however, on anyone `deopping' themselves" (RFC 2812 §3.1.5).
            'o' or 'v' => change.Op == ModeOp.Remove && change.Arg is not null && mapping.Equals(change.Arg, actor.Nick),
            // As Ergo: exception and invite-exception lists are for operators' eyes (ergochat/ergo#163 opens only b).
            'e' or 'I' => false,
            _ => change.Op == ModeOp.List,
        };
    }

    private static void ApplyList(Channel channel, IrcUser actor, ModeChange change, CaseMapping mapping, int maxEntries, DateTimeOffset now, ModeApplyResult result, ref string fullListsWarned)
    {
        if (change.Op == ModeOp.List)
        {
            if (!result.ListsRequested.Contains(change.Mode))
            {
                result.ListsRequested.Add(change.Mode);
            }
            return;
        }
        var list = ListFor(channel, change.Mode);
        if (!TryNormalizeMask(change.Mode, change.Arg!, out var mask))
        {
            result.Errors.Add(new ModeError(ModeErrorKind.InvalidParam, change.Mode, change.Arg));
            return;
        }
        var index = list.FindIndex(e => mapping.Equals(e.Mask, mask));
        if (change.Op == ModeOp.Add)
        {
            if (index >= 0)
            {
                return;
            }
            if (list.Count >= maxEntries)
            {
                if (!fullListsWarned.Contains(change.Mode))
                {
                    fullListsWarned += change.Mode;
                    result.Errors.Add(new ModeError(ModeErrorKind.ListFull, change.Mode));
                }
                return;
            }
            list.Add(new ListEntry(mask, actor.Prefix, now));
            result.Applied.Add(change with { Arg = mask });
        }
        else if (index >= 0)
        {
            var removed = list[index].Mask;
            list.RemoveAt(index);
            result.Applied.Add(change with { Arg = removed });
        }
    }

    private static void ApplyMember(Channel channel, ModeChange change, Func<string, IrcUser?> findUser, ModeApplyResult result)
    {
        var target = findUser(change.Arg!);
        if (target is null)
        {
            result.Errors.Add(new ModeError(ModeErrorKind.NoSuchNick, change.Mode, change.Arg));
            return;
        }
        if (!channel.Members.TryGetValue(target, out var status))
        {
            result.Errors.Add(new ModeError(ModeErrorKind.UserNotInChannel, change.Mode, target.Nick));
            return;
        }
        var bit = MemberPrefixes.FromModeChar(change.Mode);
        var next = change.Op == ModeOp.Add ? status | bit : status & ~bit;
        if (next == status)
        {
            return;
        }
        channel.Members[target] = next;
        result.Applied.Add(change with { Arg = target.Nick });
    }

    private static void ApplyKey(Channel channel, ModeChange change, ModeApplyResult result, ref bool showModes)
    {
        switch (change.Op)
        {
            case ModeOp.Add when !IsValidKey(change.Arg!):
                result.Errors.Add(new ModeError(ModeErrorKind.InvalidParam, 'k', change.Arg));
                break;
            case ModeOp.Add when channel.Key != change.Arg:
                channel.Key = change.Arg;
                result.Applied.Add(change);
                break;
            case ModeOp.Remove when channel.Key is not null:
                channel.Key = null;
                result.Applied.Add(change);
                break;
            case ModeOp.List:
                showModes = true;
                break;
        }
    }

    private static void ApplyLimit(Channel channel, ModeChange change, ModeApplyResult result, ref bool showModes)
    {
        switch (change.Op)
        {
            case ModeOp.Add:
                // 696 for anything but a positive base-10 integer, as irctest expects of Modern servers.
                if (!int.TryParse(change.Arg, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit <= 0)
                {
                    result.Errors.Add(new ModeError(ModeErrorKind.InvalidParam, 'l', change.Arg));
                }
                else if (channel.Limit != limit)
                {
                    channel.Limit = limit;
                    result.Applied.Add(change with { Arg = limit.ToString(CultureInfo.InvariantCulture) });
                }
                break;
            case ModeOp.Remove when channel.Limit is not null:
                channel.Limit = null;
                result.Applied.Add(change);
                break;
            case ModeOp.List:
                showModes = true;
                break;
        }
    }

    /// <summary>
    /// A key must work as a JOIN parameter: not empty, no space or comma (JOIN splits keys on
    /// commas), not starting with ':' (ergochat/ergo#1021). Its length is bounded by the line.
    /// </summary>
    public static bool IsValidKey(string key)
        => key.Length > 0 && key[0] != ':' && key.AsSpan().IndexOfAny(" ,") < 0;

    /// <summary>
    /// Completes a list mask (<see cref="HostMask.Normalize"/>), keeping an extban's <c>type:</c>.
    /// Mutes (m:) make sense in b and e only, account extbans (a:name, kept as given) in b, e
    /// and I; unknown extban types are refused.
    /// </summary>
    public static bool TryNormalizeMask(char listMode, string raw, out string mask)
    {
        mask = "";
        if (raw.Length == 0 || raw[0] == ':' || raw.Contains(' '))
        {
            return false;
        }
        if (ExtBans.TryParse(raw, out var type, out var rest))
        {
            if (!ExtBans.Types.Contains(type) || (listMode == 'I' && type != ExtBans.Account) || rest.Length == 0)
            {
                return false;
            }
            mask = type + ":" + (type == ExtBans.Account ? rest : HostMask.Normalize(rest));
            return true;
        }
        mask = HostMask.Normalize(raw);
        return true;
    }

    public static List<ListEntry> ListFor(Channel channel, char mode) => mode switch
    {
        'b' => channel.Bans,
        'e' => channel.Excepts,
        'I' => channel.InviteExceptions,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "not a list mode"),
    };

    /// <summary>
    /// The MODE line's parameters for applied changes: one mode string ("+o-v+l") then the
    /// parameters in order, as Ergo's ModeChanges.Strings.
    /// </summary>
    public static List<string> Format(IReadOnlyList<ModeChange> applied)
    {
        var modes = new StringBuilder();
        var args = new List<string>(applied.Count + 1) { "" };
        ModeOp? op = null;
        foreach (var change in applied)
        {
            if (change.Op != op)
            {
                op = change.Op;
                modes.Append(op == ModeOp.Add ? '+' : '-');
            }
            modes.Append(change.Mode);
            if (change.Arg is not null)
            {
                args.Add(change.Arg);
            }
        }
        args[0] = modes.ToString();
        return args;
    }

    /// <summary>
    /// RPL_CHANNELMODEIS's mode string and parameters: "+" then k, l and the flags. The key and
    /// limit values are shown only when <paramref name="showParams"/> (to members and opers).
    /// </summary>
    public static List<string> Describe(Channel channel, bool showParams)
    {
        var modes = new StringBuilder("+");
        var args = new List<string> { "" };
        if (channel.Key is not null)
        {
            modes.Append('k');
            if (showParams)
            {
                args.Add(channel.Key);
            }
        }
        if (channel.Limit is int limit)
        {
            modes.Append('l');
            if (showParams)
            {
                args.Add(limit.ToString(CultureInfo.InvariantCulture));
            }
        }
        foreach (var c in FlagModes)
        {
            if (channel.Has(FlagFor(c)))
            {
                modes.Append(c);
            }
        }
        args[0] = modes.ToString();
        return args;
    }
}
