namespace Parley.Server.Network;

/// <summary>What a mode letter asks for: set, unset, or (a list mode with no mask, a flag with no sign) show.</summary>
public enum ModeOp
{
    Add,
    Remove,
    List,
}

/// <summary>One mode change, as requested or as applied. <see cref="Arg"/> is its parameter, if it has one.</summary>
public readonly record struct ModeChange(ModeOp Op, char Mode, string? Arg = null)
{
    public override string ToString() => (Op switch { ModeOp.Add => "+", ModeOp.Remove => "-", _ => "" }) + Mode + (Arg is null ? "" : " " + Arg);
}

/// <summary>A parsed MODE request for a channel: the known changes and the unknown letters, in order.</summary>
public sealed record ModeRequest(IReadOnlyList<ModeChange> Changes, IReadOnlyList<char> Unknown)
{
    /// <summary><c>MODE #channel</c> alone: show the modes.</summary>
    public bool IsQuery => Changes.Count == 0 && Unknown.Count == 0;
}

public enum ModeErrorKind
{
    /// <summary>482 ERR_CHANOPRIVSNEEDED (sent once per command, as Ergo).</summary>
    ChanOpPrivsNeeded,

    /// <summary>401 ERR_NOSUCHNICK for o/v.</summary>
    NoSuchNick,

    /// <summary>441 ERR_USERNOTINCHANNEL for o/v.</summary>
    UserNotInChannel,

    /// <summary>696 ERR_INVALIDMODEPARAM: a bad key, limit or mask.</summary>
    InvalidParam,

    /// <summary>478 ERR_BANLISTFULL (once per list per command).</summary>
    ListFull,
}

/// <summary>A change that was refused, and why; the command family maps it to a numeric.</summary>
public readonly record struct ModeError(ModeErrorKind Kind, char Mode, string? Arg = null);

/// <summary>What applying a <see cref="ModeRequest"/> to a channel did.</summary>
public sealed class ModeApplyResult
{
    /// <summary>The changes that took effect, with their final parameters (normalized masks, nicks as spelled now).</summary>
    public List<ModeChange> Applied { get; } = [];

    public List<ModeError> Errors { get; } = [];

    /// <summary>The lists (b, e, I) to show, each once.</summary>
    public List<char> ListsRequested { get; } = [];

    /// <summary>Whether to answer with RPL_CHANNELMODEIS: a bare query, or (as Ergo) nothing changed
    /// because the flags asked for were already so, and no privilege error was given.</summary>
    public bool ShowModes { get; set; }
}
