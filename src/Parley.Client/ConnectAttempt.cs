using System.Net;

namespace Parley.Client;

/// <summary>One address tried by <see cref="AddressConnector"/> and why it failed (null when it connected).</summary>
public sealed record ConnectAttempt(IPEndPoint EndPoint, string? Error)
{
    public override string ToString() => Error is null ? $"{EndPoint}: connected" : $"{EndPoint}: {Error}";
}
