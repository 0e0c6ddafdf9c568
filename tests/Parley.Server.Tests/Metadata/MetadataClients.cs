using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Metadata;

/// <summary>Helpers for the metadata tests: clients with draft/metadata-3 and batch, and batch reading.</summary>
internal static class MetadataClients
{
    public const string Cap = "draft/metadata-3";

    public static Task<TestClient> ConnectAsync(TestServer server, string nick, params string[] more)
        => server.ConnectRegisteredAsync(nick, [Cap, "batch", .. more]);

    /// <summary>Sends a line and returns everything the server answered.</summary>
    public static async Task<List<IrcMessage>> SendAsync(TestClient c, string line)
    {
        await c.SendAsync(line);
        return await c.SyncAsync();
    }

    /// <summary>
    /// The one batch of <paramref name="type"/> in <paramref name="messages"/>: its parameters
    /// after the type, and the lines tagged with it (asserting nothing else is in it).
    /// </summary>
    public static (IReadOnlyList<string> Parameters, List<IrcMessage> Lines) Batch(List<IrcMessage> messages, string type = "metadata")
    {
        var start = Assert.Single(messages, m => m.Command == "BATCH" && m.Parameters[0].StartsWith('+') && m.Parameters[1] == type);
        var id = start.Parameters[0][1..];
        var end = messages.FindIndex(m => m.Command == "BATCH" && m.Parameters[0] == "-" + id);
        Assert.True(end > messages.IndexOf(start), "the batch is not closed");
        var lines = messages.Where(m => m.GetTag("batch") == id).ToList();
        Assert.Equal(end - messages.IndexOf(start) - 1, lines.Count);
        return (start.Parameters.Skip(2).ToList(), lines);
    }

    /// <summary>Command and parameters of a message, for whole-line comparisons.</summary>
    public static string[] Line(IrcMessage m) => [m.Command, .. m.Parameters];

    public static async Task JoinAsync(TestClient c, string channel)
    {
        await c.SendAsync("JOIN " + channel);
        await c.SyncAsync();
    }
}
