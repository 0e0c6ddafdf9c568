namespace Parley.Client;

/// <summary>One user in a WHO reply.</summary>
public sealed record WhoEntry(string Nick, string UserHost, bool Away);
