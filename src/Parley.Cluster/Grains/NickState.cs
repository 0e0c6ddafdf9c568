namespace Parley.Cluster.Grains;

/// <summary>A nick grain's persisted state: the holder, or null when the nick is free.</summary>
[GenerateSerializer]
public sealed class NickState
{
    [Id(0)]
    public NickHolder? Holder { get; set; }
}
