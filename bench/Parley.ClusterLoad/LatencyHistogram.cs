using System.Numerics;

namespace Parley.ClusterLoad;

/// <summary>
/// Latencies in nanoseconds, in log-linear buckets: exact below 128 ns, then 64 buckets per power
/// of two, so a quantile is within 1/64 (1.6 %) of the true value whatever its size. Fixed size
/// (3,776 counters), nothing allocated per value. Not thread-safe: one per receiving thread,
/// merged with <see cref="Add"/> once the writers are done.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBits = 7;
    private const int Half = 1 << (SubBits - 1);
    private const int Buckets = ((63 - (SubBits - 1)) * Half) + (2 * Half);

    private readonly long[] _counts = new long[Buckets];

    public long Count { get; private set; }

    public long Max { get; private set; }

    public long Min { get; private set; } = long.MaxValue;

    public double Sum { get; private set; }

    public double Mean => Count == 0 ? 0 : Sum / Count;

    public void Record(long ns)
    {
        if (ns < 0)
        {
            ns = 0;
        }
        _counts[IndexOf(ns)]++;
        Count++;
        Sum += ns;
        if (ns > Max)
        {
            Max = ns;
        }
        if (ns < Min)
        {
            Min = ns;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < Buckets; i++)
        {
            _counts[i] += other._counts[i];
        }
        Count += other.Count;
        Sum += other.Sum;
        Max = Math.Max(Max, other.Max);
        Min = Math.Min(Min, other.Min);
    }

    /// <summary>
    /// The smallest recorded bound below which a fraction <paramref name="q"/> of the values lie
    /// (nearest rank), as its bucket's upper end, never above <see cref="Max"/>; 0 when empty.
    /// </summary>
    public long Quantile(double q)
    {
        if (Count == 0)
        {
            return 0;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(q, 0, 1) * Count));
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(Math.Max(UpperBound(i), Min), Max);
            }
        }
        return Max;
    }

    internal static int IndexOf(long ns)
    {
        if (ns < 2 * Half)
        {
            return (int)ns;
        }
        var msb = 63 - BitOperations.LeadingZeroCount((ulong)ns);
        var shift = msb - (SubBits - 1);
        return (shift * Half) + (int)(ns >> shift);
    }

    /// <summary>The largest value that falls in bucket <paramref name="index"/>.</summary>
    internal static long UpperBound(int index)
    {
        if (index < 2 * Half)
        {
            return index;
        }
        var shift = (index / Half) - 1;
        var top = (long)(index - (shift * Half));
        return ((top + 1) << shift) - 1;
    }
}
