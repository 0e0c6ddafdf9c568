namespace Parley.Cluster.Grains;

/// <summary>What <see cref="IChannelGrain.PublishAsync"/> returns for an event it did not sequence (no node got it).</summary>
public static class ChannelGrainResults
{
    /// <summary>The origin is not subscribed: subscribe again.</summary>
    public const long NotSubscribed = -1;

    /// <summary>The origin refused its own command: its client was told it failed, or it was sequenced once already.</summary>
    public const long RefusedByOrigin = -2;
}
