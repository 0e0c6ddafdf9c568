namespace Parley.Cluster.Grains;

/// <summary>One node's counts of its registered users: visible, invisible, operators.</summary>
[GenerateSerializer, Immutable]
public sealed record CountsWire([property: Id(0)] int Visible, [property: Id(1)] int Invisible, [property: Id(2)] int Operators);
