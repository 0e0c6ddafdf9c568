using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>What MODE on a channel did, taken under one lock.</summary>
/// <param name="Lists">The entries of each list asked for (b, e, I), copied.</param>
/// <param name="ModeIs">RPL_CHANNELMODEIS's mode string and parameters, when it is to be sent.</param>
public sealed record ChannelModeResult(
    ChannelOpError Error,
    string ChannelName,
    ModeApplyResult? Outcome = null,
    IReadOnlyList<(char Mode, IReadOnlyList<ListEntry> Entries)>? Lists = null,
    IReadOnlyList<string>? ModeIs = null,
    DateTimeOffset CreatedAt = default);

// MODE (channels): the operator side of channels.
public sealed partial class IrcNetwork
{
    /// <summary>
    /// Applies a parsed MODE request to a channel. What changed goes to every member in one
    /// MODE line (the actor's copy through <paramref name="replies"/>); the result carries the
    /// refusals, the lists asked for and, when due, the channel's modes.
    /// https://modern.ircdocs.horse/#mode-message
    /// </summary>
    public ChannelModeResult ChangeChannelModes(IrcUser user, string name, ModeRequest request, int maxListEntries, ReplyBuffer replies)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(name, out var channel))
            {
                return new ChannelModeResult(ChannelOpError.NoSuchChannel, name);
            }
            var outcome = ChannelModes.Apply(channel, user, request, CaseMapping, maxListEntries, Now, LookupNickLocked);
            if (outcome.Applied.Count > 0)
            {
                var message = new OutboundMessage(user.Prefix, "MODE", [channel.Name, .. ChannelModes.Format(outcome.Applied)])
                {
                    Time = NowTag(),
                    MsgId = NewMsgId(),
                    Account = user.Account,
                    Bot = user.IsBot,
                };
                DeliverToChannelLocked(channel, message, user, replies);
            }
            List<(char, IReadOnlyList<ListEntry>)>? lists = null;
            foreach (var mode in outcome.ListsRequested)
            {
                (lists ??= []).Add((mode, [.. ChannelModes.ListFor(channel, mode)]));
            }
            var showParams = channel.Members.ContainsKey(user) || user.IsOperator;
            var modeIs = outcome.ShowModes ? ChannelModes.Describe(channel, showParams) : null;
            return new ChannelModeResult(ChannelOpError.None, channel.Name, outcome, lists, modeIs, channel.CreatedAt);
        }
    }

    /// <summary>The registered user with this nick, or null (under the lock).</summary>
    private IrcUser? LookupNickLocked(string nick)
        => _nicks.TryGetValue(nick, out var u) && u.IsRegistered ? u : null;
}
