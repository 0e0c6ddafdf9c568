namespace Parley.Cluster.Grains;

/// <summary>One node's counts of its registered users (visible, invisible, operators) and of the channels it counts (each channel is counted by one node).</summary>
[GenerateSerializer, Immutable]
public sealed record CountsWire([property: Id(0)] int Visible, [property: Id(1)] int Invisible, [property: Id(2)] int Operators, [property: Id(3)] int Channels = 0);

/// <summary>A <see cref="Parley.Server.Network.ChannelSummary"/> between nodes (LIST).</summary>
[GenerateSerializer, Immutable]
public sealed record ChannelSummaryWire(
    [property: Id(0)] string Name,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] string? Topic,
    [property: Id(3)] DateTimeOffset TopicSetAt,
    [property: Id(4)] bool Secret,
    [property: Id(5)] int Users,
    [property: Id(6)] int VisibleUsers)
{
    public static ChannelSummaryWire From(Parley.Server.Network.ChannelSummary c) => new(c.Name, c.CreatedAt, c.Topic, c.TopicSetAt, c.Secret, c.Users, c.VisibleUsers);

    public Parley.Server.Network.ChannelSummary ToSummary() => new(Name, CreatedAt, Topic, TopicSetAt, Secret, Users, VisibleUsers);
}
