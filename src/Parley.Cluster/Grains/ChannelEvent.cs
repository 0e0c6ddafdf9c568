namespace Parley.Cluster.Grains;

/// <summary>
/// One event of a channel as the channel grain sequences and fans it out: what kind it is, the
/// node it comes from, and the lines its members see (already stamped with time and msgid by
/// the origin node, so every node delivers the same message); for IRC channels, the replicated
/// command every node applies (<see cref="Parley.Server.Network.ChannelCommand"/>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ChannelEvent(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Origin,
    [property: Id(2)] WireMessage[] Lines,
    [property: Id(3)] ChannelCommandWire? Command = null);
