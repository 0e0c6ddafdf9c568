using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>
/// Where Network delivers to one client: its outbox. Implementations never block and may be
/// called from any thread, under Network's lock.
/// </summary>
public interface IClientSink
{
    /// <summary>The client's capabilities, which pick the encoding variant.</summary>
    Capability Caps { get; }

    void Deliver(OutboundMessage message);

    /// <summary>Ends the client's connection with an ERROR carrying <paramref name="reason"/>.</summary>
    void Disconnect(string reason);
}
