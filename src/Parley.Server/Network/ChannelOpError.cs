namespace Parley.Server.Network;

/// <summary>Why a channel operation (TOPIC, KICK, INVITE, MODE) was refused; mapped to numerics by the command family.</summary>
public enum ChannelOpError
{
    None,
    NoSuchChannel,
    NotOnChannel,
    ChanOpPrivsNeeded,
    NoSuchNick,
    UserNotInChannel,
    UserOnChannel,

    /// <summary>Cluster only: see <see cref="JoinError.Unavailable"/>.</summary>
    Unavailable,
}
