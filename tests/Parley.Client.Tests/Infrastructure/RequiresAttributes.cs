using System.Net;
using System.Net.Sockets;

namespace Parley.Client.Tests.Infrastructure;

/// <summary>A fact that is skipped, with the reason, when a program it drives is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresProgramFactAttribute : FactAttribute
{
    public RequiresProgramFactAttribute(params string[] programs)
    {
        var missing = programs.Where(p => Programs.Find(p) is null).ToArray();
        if (missing.Length > 0)
        {
            Skip = $"not installed: {string.Join(", ", missing)} (.ci/run installs them: apt-get install {string.Join(' ', missing)})";
        }
    }
}

/// <summary>A fact that needs the IPv6 loopback address.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresIPv6FactAttribute : FactAttribute
{
    public RequiresIPv6FactAttribute()
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        }
        catch (SocketException)
        {
            Skip = "no IPv6 loopback (::1) on this machine";
        }
    }
}

public static class Programs
{
    /// <summary>The full path of a program on PATH or in /usr/sbin, or null.</summary>
    public static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/usr/bin", "/sbin"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}
