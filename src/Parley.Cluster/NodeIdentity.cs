namespace Parley.Cluster;

/// <summary>This node's server name and description, as WHOIS on other nodes shows them (RPL_WHOISSERVER).</summary>
public sealed record NodeIdentity(string Name, string Description);
