namespace Parley.Cluster;

/// <summary>
/// A node's check that it receives each channel's events in the channel grain's order, none
/// missing, none twice (per-channel sequence numbers, checked on receipt; issue 9).
/// </summary>
/// <remarks>
/// Thread-safe. A subscription's answer (the number before this node's first event) and the
/// first event may arrive in either order, so until the answer is in, whatever arrives first
/// sets the count. An event of another epoch (the grain was activated again) starts the count again.
/// </remarks>
public sealed class ChannelSequencer
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Epoch, long Seq)> _last = new(StringComparer.Ordinal);
    private readonly HashSet<string> _subscribing = new(StringComparer.Ordinal);

    /// <summary>Events that arrived out of turn (a gap) or twice, since the start.</summary>
    public long Anomalies { get; private set; }

    /// <summary>Times a channel's grain was seen activated again (a new epoch: its numbers start again).</summary>
    public long Restarts { get; private set; }

    public enum Verdict
    {
        /// <summary>The next event: deliver it.</summary>
        InOrder,

        /// <summary>Seen already: drop it.</summary>
        Repeat,

        /// <summary>Events are missing before it: the node must re-read the channel.</summary>
        Gap,

        /// <summary>Not subscribed to the channel: drop it.</summary>
        Unknown,
    }

    /// <summary>A subscription is being made: events may arrive before its answer.</summary>
    public void Subscribing(string channel)
    {
        lock (_gate)
        {
            _subscribing.Add(channel);
            _last.Remove(channel);
        }
    }

    /// <summary>The subscription's answer: the number of the last event before it.</summary>
    public void Subscribed(string channel, long epoch, long lastBefore)
    {
        lock (_gate)
        {
            _subscribing.Remove(channel);
            _last.TryAdd(channel, (epoch, lastBefore));
        }
    }

    public void Unsubscribed(string channel)
    {
        lock (_gate)
        {
            _subscribing.Remove(channel);
            _last.Remove(channel);
        }
    }

    /// <summary>Checks event <paramref name="seq"/> of <paramref name="channel"/> and counts it as received if in order.</summary>
    public Verdict Receive(string channel, long epoch, long seq)
    {
        lock (_gate)
        {
            if (!_last.TryGetValue(channel, out var at))
            {
                if (!_subscribing.Contains(channel))
                {
                    return Verdict.Unknown;
                }
                _last[channel] = (epoch, seq);
                return Verdict.InOrder;
            }
            if (at.Epoch != epoch)
            {
                Restarts++;
            }
            var last = at.Epoch == epoch ? at.Seq : 0;
            if (seq == last + 1)
            {
                _last[channel] = (epoch, seq);
                return Verdict.InOrder;
            }
            Anomalies++;
            if (seq <= last)
            {
                return Verdict.Repeat;
            }
            _last[channel] = (epoch, seq);
            return Verdict.Gap;
        }
    }
}
