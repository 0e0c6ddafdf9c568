namespace Parley.ClusterLoad;

/// <summary>
/// One sender's flow control: at most <c>window</c> messages sent and not acknowledged.
/// Designated mode: a message is acknowledged when the sender's designated receiver has it (and,
/// its order being checked, every earlier one). All mode: when all <c>receivers</c> members have
/// it; a ring of per-message counts (slot seq mod window, free again once acknowledged) lets the
/// acknowledged point advance over every fully delivered message in order.
/// Threading: every member is safe from any thread (one short lock).
/// </summary>
internal sealed class SenderWindow(int window, int receivers, bool ackAll)
{
    private readonly Lock _gate = new();
    private readonly int[] _ring = ackAll ? new int[window] : [];
    private long _sent;
    private long _acked;

    public long Sent
    {
        get
        {
            lock (_gate)
            {
                return _sent;
            }
        }
    }

    public long Acked
    {
        get
        {
            lock (_gate)
            {
                return _acked;
            }
        }
    }

    /// <summary>Takes up to the window's free room: returns the first new sequence number and how many (0: full).</summary>
    public (long First, int Count) Take()
    {
        lock (_gate)
        {
            var room = (int)(window - (_sent - _acked));
            if (room <= 0)
            {
                return (0, 0);
            }
            var first = _sent + 1;
            _sent += room;
            return (first, room);
        }
    }

    /// <summary>Designated mode: the designated receiver has <paramref name="seq"/>. True when the window opened.</summary>
    public bool AckUpTo(long seq)
    {
        lock (_gate)
        {
            if (seq <= _acked || seq > _sent)
            {
                return false;
            }
            _acked = seq;
            return true;
        }
    }

    /// <summary>All mode: one member has <paramref name="seq"/>. True when the window opened.</summary>
    public bool Delivered(long seq)
    {
        lock (_gate)
        {
            if (seq <= _acked || seq > _sent)
            {
                return false;
            }
            if (++_ring[seq % window] < receivers)
            {
                return false;
            }
            var opened = false;
            while (_acked < _sent && _ring[(_acked + 1) % window] >= receivers)
            {
                _ring[(_acked + 1) % window] = 0;
                _acked++;
                opened = true;
            }
            return opened;
        }
    }
}
