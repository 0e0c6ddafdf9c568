using System.Net;

namespace Parley.Server.Hosting;

/// <summary>
/// A listening address whose connections use <see cref="LeanSocketConnection"/> instead of
/// Kestrel's socket transport (plain-text IRC listeners). Kestrel hands the endpoint it was given
/// to <see cref="PacedListenerFactory.BindAsync"/>, so the type itself carries the choice; other
/// listeners (TLS, HTTP) keep Kestrel's transport, which their middleware is built and tested on.
/// </summary>
public sealed class LeanEndPoint(IPAddress address, int port) : IPEndPoint(address, port);
