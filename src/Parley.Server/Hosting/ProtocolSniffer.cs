using System.Buffers;
using System.IO.Pipelines;

namespace Parley.Server.Hosting;

/// <summary>
/// Tells an HTTP client from an IRC client by its first bytes, without consuming them, so one
/// TLS port serves IRC and HTTPS (the web client, wss://). An HTTP request starts with a method
/// and a space (<c>GET /</c>); no IRC command is named after an HTTP method, and IRC clients
/// speak first (CAP, NICK, PASS), so a client that sends nothing for <see cref="Wait"/> is
/// taken for IRC and left to the registration timeout.
/// </summary>
public static class ProtocolSniffer
{
    /// <summary>How long a silent client is waited for before it is taken for IRC.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>The longest method looked for, with its space.</summary>
    private const int MaxToken = 8;

    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];

    /// <summary>Whether the client speaks HTTP; the bytes read stay in <paramref name="input"/>.</summary>
    public static async Task<bool> IsHttpAsync(PipeReader input, TimeSpan wait, TimeProvider time, CancellationToken closed)
    {
        using var waited = new CancellationTokenSource(wait, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(closed, waited.Token);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            var buffer = result.Buffer;
            var decided = Classify(buffer, out var http);
            // Nothing consumed: the protocol that takes the connection reads it all.
            input.AdvanceTo(buffer.Start, decided ? buffer.Start : buffer.End);
            if (decided || result.IsCompleted || result.IsCanceled)
            {
                return decided && http;
            }
        }
    }

    /// <summary>Decides from the first bytes when it can: an HTTP method followed by a space, or anything else.</summary>
    internal static bool Classify(ReadOnlySequence<byte> buffer, out bool http)
    {
        http = false;
        Span<byte> head = stackalloc byte[MaxToken];
        var n = (int)Math.Min(buffer.Length, MaxToken);
        buffer.Slice(0, n).CopyTo(head);
        head = head[..n];
        var space = head.IndexOf((byte)' ');
        if (space < 0)
        {
            // Undecided while the token may still grow into a method.
            return n >= MaxToken;
        }
        var token = System.Text.Encoding.ASCII.GetString(head[..space]);
        http = Methods.Contains(token, StringComparer.Ordinal);
        return true;
    }
}
