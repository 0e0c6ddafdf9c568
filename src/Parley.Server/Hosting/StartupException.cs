namespace Parley.Server.Hosting;

/// <summary>The server cannot start (for example its database cannot be opened): reported as one line, exit code 1.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
