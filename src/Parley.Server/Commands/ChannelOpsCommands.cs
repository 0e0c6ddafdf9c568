namespace Parley.Server.Commands;

/// <summary>
/// The channel operator's commands: MODE (see <see cref="ModeCommand"/>), TOPIC, KICK, INVITE,
/// and LIST. https://modern.ircdocs.horse/#channel-operations
/// </summary>
internal static class ChannelOpsCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new("MODE", ModeCommand.HandleAsync, MinParams: 1));
    }
}
