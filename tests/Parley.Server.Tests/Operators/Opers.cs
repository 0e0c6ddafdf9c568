using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Network;
using Parley.Server.Security;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Operators;

/// <summary>An operator block for tests, with a cheap hash, and helpers to oper up and set user modes.</summary>
internal static class Opers
{
    public const string Name = "root";
    public const string Password = "correct horse";

    /// <summary>1000 iterations: fast in tests; the format is the real one.</summary>
    public static readonly string Hash = PasswordHash.Create(Password, iterations: 1000);

    public static ServerOptions Options(string mask = "*")
        => new() { Operators = [new OperatorOptions { Name = Name, PasswordHash = Hash, Mask = mask }] };

    /// <summary>OPER with the right credentials; returns after RPL_YOUREOPER and everything before the next sync.</summary>
    public static async Task OperAsync(TestClient client)
    {
        await client.SendAsync($"OPER {Name} :{Password}");
        await client.ExpectAsync(Numerics.RPL_YOUREOPER);
        await client.SyncAsync();
    }

    /// <summary>
    /// Sets user modes directly: MODE is another command family's. Call it while the client is
    /// idle (after a sync), so the server reads the flag only after this write.
    /// </summary>
    public static void SetModes(TestClient client, UserModes modes) => client.Session.User.Modes |= modes;
}
