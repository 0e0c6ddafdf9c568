using System.Data.Common;
using Microsoft.Extensions.Logging;
using Parley.Server.Hosting;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// Multiclient (issue 4 part 7, as Ergo's): a connection that logs in to an account before
/// registration (SASL, <c>PASS account:password</c>) and asks for the nick a connection of that
/// account holds becomes one more connection of that user. It gets the welcome, then the user's
/// channels as if it had just joined them (JOIN, topic, read marker, NAMES); from then on
/// everything sent to the user reaches every connection, what one connection does the others
/// see, and the user quits only when its last connection leaves.
/// Off with <c>Accounts:Multiclient:Enabled = false</c>: the nick is in use (433), as before.
/// https://github.com/ergochat/ergo/blob/master/docs/MANUAL.md#multiclient-bouncer
/// </summary>
internal static partial class Multiclient
{
    /// <summary>
    /// NICK before registration asked for a nick a logged-in user holds: whether to wait for
    /// the end of registration (when this connection may have logged in to that account) rather
    /// than refuse it now.
    /// </summary>
    public static bool MayAttachLater(Session s, string nick)
        => s.Server.Options.Accounts.Multiclient.Enabled && s.Network.IsHeldByAccountUser(nick);

    /// <summary>Attaches the registering connection to the user holding <paramref name="nick"/>, if it is logged in to that user's account.</summary>
    public static bool TryAttach(Session s, string nick)
    {
        if (!s.Server.Options.Accounts.Multiclient.Enabled || s.Network.Attach(s.User, nick) is not { } attached)
        {
            return false;
        }
        s.AttachTo(attached.Target);
        s.AttachReplay = attached.Channels;
        s.AttachMissed = attached.Missed;
        LogAttached(s.Server.LoggerFactory.CreateLogger("Parley.Server.Accounts"), s.Id, attached.Target.Nick, attached.Target.Account ?? "");
        return true;
    }

    /// <summary>
    /// In a cluster, NICK before registration asked for a nick that a user of another node
    /// holds: whether that user is logged in to an account, so this connection may attach to
    /// it at the end of registration (<see cref="TryAttachElsewhereAsync"/>).
    /// </summary>
    public static async ValueTask<bool> MayAttachElsewhereLaterAsync(Session s, string nick)
    {
        if (!s.Server.Options.Accounts.Multiclient.Enabled || s.Network.Link is not { } link)
        {
            return false;
        }
        try
        {
            return await link.IsHeldByAccountElsewhereAsync(nick);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAttachFailed(s.Server.LoggerFactory.CreateLogger("Parley.Server.Accounts"), ex, nick);
            return false;
        }
    }

    /// <summary>
    /// Multiclient across nodes: the registering connection, logged in to the account whose user
    /// holds <paramref name="nick"/> on other nodes, becomes this node's user of that account
    /// with that nick (a holder beside the other nodes'), and one of the account's sessions (the
    /// account grain). Private messages to the nick reach the account's connections on every
    /// node, and what one sends the others see (<see cref="MessagingCommands"/>); once
    /// registered it is shown the account's channels (<see cref="ShareChannelsElsewhereAsync"/>).
    /// </summary>
    public static async ValueTask<bool> TryAttachElsewhereAsync(Session s, string nick)
    {
        if (!s.Server.Options.Accounts.Multiclient.Enabled || s.Network.Link is not { } link || s.User.Account is not { } account)
        {
            return false;
        }
        bool attached;
        try
        {
            attached = await link.AttachNickAsync(nick, s.User.Id, account);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAttachFailed(s.Server.LoggerFactory.CreateLogger("Parley.Server.Accounts"), ex, nick);
            return false;
        }
        if (!attached)
        {
            return false;
        }
        if (s.Network.ChangeNick(s.User, nick, null) != IrcNetwork.NickResult.Ok)
        {
            link.ReleaseNick(nick, s.User.Id);
            return false;
        }
        s.Network.SetSessionsElsewhere(nick, s.User.Id, true);
        try
        {
            s.AttachPrimary = await link.JoinAccountSessionsAsync(s.User.Id, nick, account);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The nick is shared; the channels are not shown (the account grain did not answer).
            LogAttachFailed(s.Server.LoggerFactory.CreateLogger("Parley.Server.Accounts"), ex, nick);
        }
        LogAttachedElsewhere(s.Server.LoggerFactory.CreateLogger("Parley.Server.Accounts"), s.Id, nick, account);
        return true;
    }

    /// <summary>
    /// Multiclient across nodes, after the welcome: the connection's user becomes the account's
    /// channel member here (standing for the primary, another node's user), this node holding
    /// a replica of each of the primary's channels; the channels are then shown as to any
    /// connection attaching to a user (<see cref="ReplayAsync"/>, once the command ends). The
    /// other members see nothing: the member is the same.
    /// </summary>
    public static async ValueTask ShareChannelsElsewhereAsync(Session s)
    {
        if (s.AttachPrimary is not { } primary || s.Network.Link is not { } link)
        {
            return;
        }
        s.AttachPrimary = null;
        try
        {
            await link.ShareAccountChannelsAsync(s.User.Id, primary.Node, primary.UserId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAttachFailed(s.Server.LoggerFactory.CreateLogger("Parley.Server.Accounts"), ex, s.User.Nick);
        }
        var channels = s.Network.AttachedChannelsOf(s.User);
        if (channels.Count > 0)
        {
            s.AttachReplay = channels;
        }
    }

    /// <summary>
    /// After the welcome: the user's channels, each as a JOIN would show it, followed (as Ergo's
    /// reattach) by the lines it missed there when it had no connection (<see cref="AutoreplayMissed"/>).
    /// </summary>
    public static async ValueTask ReplayAsync(Session s, List<AttachedChannel> channels, MissedWindow? missed)
    {
        var replay = missed is null ? null : await AutoreplayMissed.StartAsync(s, missed);
        foreach (var channel in channels)
        {
            s.Reply(s.Has(Capability.ExtendedJoin) ? channel.ExtendedJoin : channel.Join);
            ChannelCommands.SendTopic(s, channel.View, quietIfNone: true);
            await ReadMarkerCommand.SendOnJoinAsync(s, channel.View.Name);
            ChannelCommands.SendNames(s, channel.View);
            MetadataCommands.SendOnJoin(s, channel.View.Name, announce: false);
            if (replay is not null)
            {
                await replay.ChannelAsync(channel.View.Name);
            }
        }
        replay?.End();
    }

    /// <summary>
    /// Whether an account is always-on: never with <see cref="AlwaysOnPolicy.Disabled"/>,
    /// always with <see cref="AlwaysOnPolicy.Mandatory"/>, else its own setting, by default off
    /// (<see cref="AlwaysOnPolicy.OptIn"/>) or on (<see cref="AlwaysOnPolicy.OptOut"/>).
    /// </summary>
    public static bool IsAlwaysOn(AlwaysOnPolicy policy, bool? setting) => policy switch
    {
        AlwaysOnPolicy.Mandatory => true,
        AlwaysOnPolicy.OptIn => setting ?? false,
        AlwaysOnPolicy.OptOut => setting ?? true,
        _ => false,
    };

    /// <summary>After a login, once registered: makes the user always-on if its account is.</summary>
    public static async ValueTask ApplyAlwaysOnAsync(Session s)
    {
        var policy = s.Server.Options.Accounts.Multiclient.AlwaysOn;
        if (s.User.Account is not { } account || policy == AlwaysOnPolicy.Disabled || !s.Server.Options.Accounts.Multiclient.Enabled)
        {
            return;
        }
        bool? setting = null;
        if (policy is AlwaysOnPolicy.OptIn or AlwaysOnPolicy.OptOut)
        {
            try
            {
                setting = (await s.Server.Accounts.GetAsync(account))?.AlwaysOn;
            }
            catch (DbException ex)
            {
                AccountLogin.ReportStoreFailure(s, ex);
                return;
            }
        }
        s.Network.SetAlwaysOn(s.User, account, IsAlwaysOn(policy, setting));
    }

    /// <summary>NickServ SET ALWAYS-ON ON|OFF|DEFAULT: the account's own setting, where the server's policy leaves a choice.</summary>
    public static async ValueTask SetAlwaysOnAsync(Session s, string value, Action<string> notice)
    {
        var options = s.Server.Options.Accounts.Multiclient;
        if (s.User.Account is not { } account)
        {
            notice("You are not logged in.");
            return;
        }
        bool? setting = value.ToUpperInvariant() switch
        {
            "ON" or "TRUE" => true,
            "OFF" or "FALSE" => false,
            _ => null,
        };
        if (setting is null && !value.Equals("DEFAULT", StringComparison.OrdinalIgnoreCase))
        {
            notice("Syntax: SET ALWAYS-ON ON|OFF|DEFAULT");
            return;
        }
        if (!options.Enabled || options.AlwaysOn is AlwaysOnPolicy.Disabled or AlwaysOnPolicy.Mandatory)
        {
            notice(options.Enabled && options.AlwaysOn == AlwaysOnPolicy.Mandatory
                ? "Always-on is mandatory on this server."
                : "Always-on is disabled on this server.");
            return;
        }
        if (!await AccountLogin.TrySaveSettingAsync(s, async () => await s.Server.Accounts.SetAlwaysOnAsync(account, setting), notice))
        {
            return;
        }
        var on = IsAlwaysOn(options.AlwaysOn, setting);
        s.Network.SetAlwaysOn(s.User, account, on);
        notice(on
            ? "Always-on is now on: you stay online, with your nick and channels, when you disconnect."
            : "Always-on is now off: you leave when your last connection does.");
    }

    [LoggerMessage(EventId = 411, Level = LogLevel.Information, Message = "Connection {Id} attached to {Nick} (account {Account}), held on other nodes too: multiclient across nodes")]
    private static partial void LogAttachedElsewhere(ILogger logger, long id, string nick, string account);

    [LoggerMessage(EventId = 412, Level = LogLevel.Warning, Message = "attaching to {Nick} on other nodes failed")]
    private static partial void LogAttachFailed(ILogger logger, Exception ex, string nick);

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Connection {Id} attached to {Nick} (account {Account}): multiclient")]
    private static partial void LogAttached(ILogger logger, long id, string nick, string account);
}
