namespace Parley.Cluster.Grains;

/// <summary>
/// A nick grain's persisted state: who holds the nick, first the holder that claimed it, then
/// the same account's users on other nodes that attached to it (multiclient across nodes).
/// Empty when the nick is free.
/// </summary>
[GenerateSerializer]
public sealed class NickState
{
    [Id(0)]
    public List<NickHolder> Holders { get; set; } = [];
}
