namespace Parley.ClusterLoad;

/// <summary>
/// Per (receiver, sender) pair, the last sequence number received: every receiver must get each
/// sender's messages exactly once and in the order sent (ARCHITECTURE.md rule 4). A number past
/// the next one is a gap (the numbers skipped are counted), a number at or below the last one is
/// out of order (a repeat or a late message). Threading: row r is written only by receiver r's
/// receive loop; the totals are atomic.
/// </summary>
internal sealed class SequenceTracker(int receivers, int senders)
{
    private readonly long[] _last = new long[receivers * senders];
    private long _gaps;
    private long _outOfOrder;
    private string? _firstAnomaly;

    /// <summary>Messages skipped, summed over every pair.</summary>
    public long Gaps => Interlocked.Read(ref _gaps);

    /// <summary>Messages that arrived at or below their pair's last number.</summary>
    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);

    /// <summary>The first anomaly seen, spelled out (receiver, sender, expected, got), for a bug report.</summary>
    public string? FirstAnomaly => Volatile.Read(ref _firstAnomaly);

    public int Senders => senders;

    public long Last(int receiver, int sender) => Volatile.Read(ref _last[(receiver * senders) + sender]);

    /// <summary>Records that <paramref name="receiver"/> got <paramref name="sender"/>'s message <paramref name="seq"/>; false for an anomaly.</summary>
    public bool Observe(int receiver, int sender, long seq)
    {
        ref var last = ref _last[(receiver * senders) + sender];
        if (seq <= last)
        {
            Interlocked.Increment(ref _outOfOrder);
            Interlocked.CompareExchange(ref _firstAnomaly, $"out of order: client {receiver} got sender {sender}'s message {seq} after {last}", null);
            return false;
        }
        var ok = seq == last + 1;
        if (!ok)
        {
            Interlocked.Add(ref _gaps, seq - last - 1);
            Interlocked.CompareExchange(ref _firstAnomaly, $"gap: client {receiver} expected sender {sender}'s message {last + 1}, got {seq}", null);
        }
        Volatile.Write(ref last, seq);
        return ok;
    }

    /// <summary>
    /// Messages never received, once the run is over: for every pair whose receiver is not the
    /// sender itself (<paramref name="senderClient"/>), what the sender sent past the last received.
    /// </summary>
    public long Missing(IReadOnlyList<long> sent, Func<int, int> senderClient)
    {
        long missing = 0;
        var receiversCount = _last.Length / senders;
        for (var r = 0; r < receiversCount; r++)
        {
            for (var s = 0; s < senders; s++)
            {
                if (senderClient(s) != r)
                {
                    missing += Math.Max(0, sent[s] - Last(r, s));
                }
            }
        }
        return missing;
    }
}
