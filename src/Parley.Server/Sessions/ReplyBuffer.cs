using Parley.Server.Network;

namespace Parley.Server.Sessions;

/// <summary>
/// The replies to one command of one client, flushed to its outbox when the command ends, so
/// labeled-response costs the handlers nothing: zero replies become an ACK, one reply carries
/// the label, several are wrapped in a <c>labeled-response</c> batch.
/// https://ircv3.net/specs/extensions/labeled-response
/// </summary>
/// <remarks>Owned by the connection's read loop; Network appends the actor's own echoes here
/// under its lock while the command runs, and nothing else touches it.</remarks>
public sealed class ReplyBuffer
{
    // Made at the first reply and dropped when cleared: an idle client holds no list (issue 7).
    private List<(OutboundMessage Message, string? Batch)>? _list;

    private List<(OutboundMessage Message, string? Batch)> All => _list ?? NoItems;

    private static readonly List<(OutboundMessage Message, string? Batch)> NoItems = [];

    /// <summary>
    /// The connection whose command this is (its own sink), or null. With multiclient, Network
    /// sends what the actor's connection gets here to the user's other connections as well.
    /// </summary>
    public IClientSink? Owner { get; init; }

    /// <summary>The capabilities of the connection whose command this is (None without one).</summary>
    public Capability OwnerCaps => Owner?.Caps ?? Capability.None;

    public int Count => _list?.Count ?? 0;

    public IReadOnlyList<(OutboundMessage Message, string? Batch)> Items => All;

    public void Add(OutboundMessage message, string? batch = null)
    {
        if (_list is null)
        {
            _list = [];
            // The command's first reply: from here on, what others send this client waits behind
            // the command's replies (see Session.HoldForCommand).
            (Owner as Session)?.HoldForCommand();
        }
        _list.Add((message, batch));
    }

    public void Clear() => _list = null;

    /// <summary>Encodes the replies for a client with <paramref name="caps"/>, labeled as the spec says.</summary>
    public IEnumerable<byte[]> Encode(Capability caps, string? label, string serverName, Func<string> newBatchId)
    {
        var labeled = label is not null && caps.HasFlag(Capability.LabeledResponse);
        if (!labeled)
        {
            foreach (var (message, batch) in All)
            {
                yield return batch is null ? message.GetBytes(caps) : message.Encode(caps, null, batch);
            }
            yield break;
        }
        if (All.Count == 0)
        {
            yield return new OutboundMessage(serverName, "ACK").Encode(caps, label, null);
            yield break;
        }
        if (All.Count == 1 && All[0].Batch is null)
        {
            yield return All[0].Message.Encode(caps, label, null);
            yield break;
        }
        if (caps.HasFlag(Capability.Batch) && IsOneBatch())
        {
            // The response is one batch (a draft/multiline echo): the label goes on its BATCH
            // start line, not on a labeled-response batch around it.
            // https://ircv3.net/specs/extensions/multiline#labeled-response-with-echo-message
            yield return All[0].Message.Encode(caps, label, null);
            for (var i = 1; i < All.Count; i++)
            {
                yield return All[i].Message.Encode(caps, null, All[i].Batch);
            }
            yield break;
        }
        if (!caps.HasFlag(Capability.Batch))
        {
            // labeled-response requires batch for several replies; without it, label the first.
            var first = true;
            foreach (var (message, batch) in All)
            {
                yield return message.Encode(caps, first ? label : null, batch);
                first = false;
            }
            yield break;
        }
        var id = newBatchId();
        yield return new OutboundMessage(serverName, "BATCH", "+" + id, "labeled-response").Encode(caps, label, null);
        foreach (var (message, batch) in All)
        {
            // A nested batch's own BATCH lines (added with no batch) belong to the outer batch;
            // its contents keep their own batch tag.
            yield return message.Encode(caps, null, batch ?? id);
        }
        yield return new OutboundMessage(serverName, "BATCH", "-" + id).Encode(caps, null, null);
    }

    /// <summary>Whether the replies are exactly BATCH +x, lines in batch x, BATCH -x.</summary>
    private bool IsOneBatch()
    {
        if (All.Count < 2)
        {
            return false;
        }
        var (first, firstBatch) = All[0];
        var (last, lastBatch) = All[^1];
        if (firstBatch is not null || lastBatch is not null || first.Command != "BATCH" || last.Command != "BATCH"
            || first.Parameters.Count < 2 || first.Parameters[0].Length < 2 || first.Parameters[0][0] != '+'
            || last.Parameters.Count != 1 || last.Parameters[0] != "-" + first.Parameters[0][1..])
        {
            return false;
        }
        var id = first.Parameters[0][1..];
        for (var i = 1; i < All.Count - 1; i++)
        {
            if (All[i].Batch != id)
            {
                return false;
            }
        }
        return true;
    }
}
