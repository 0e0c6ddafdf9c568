namespace Parley.Server.Connections;

/// <summary>
/// The commands in progress on every connection, so that a PING is a barrier: its PONG leaves
/// only after every command the server had already begun (on any connection) when it read the
/// PING has ended, and so after everything those commands sent.
/// </summary>
/// <remarks>
/// <para>Why: clients (irctest, bots, bridges driving several connections) send a line on one
/// connection, then PING on another, and take the PONG as proof that the first line was
/// handled. Both lines are read in the order they arrived, but one command can take longer to
/// reach Network than another (a first PRIVMSG compiled by the JIT, a thread preempted on a busy
/// machine, a store read): without the barrier the PONG could overtake the earlier command's
/// delivery. Commands are counted from <see cref="Enter"/> (the read loop, after flood control
/// and its own pending-commit wait) to <see cref="Exit"/> (after the command's replies are
/// sequenced).</para>
/// <para>How: two counters, one per epoch. A command counts in the current epoch's. A barrier
/// switches the epoch and waits until the previous one's counter falls to zero: every command
/// begun before it has ended, while commands begun after it do not delay it. A barrier that
/// finds another one waiting waits for that one first, then switches again. A barrier waits at
/// most <see cref="MaxWait"/>: a command stuck on a remote node or a slow disk delays a PONG,
/// never withholds it.</para>
/// <para>Threading: any thread; one short lock (no I/O, no await under it). Barrier waiters are
/// completed outside the lock, asynchronously.</para>
/// </remarks>
public sealed class CommandBarrier(TimeProvider time)
{
    /// <summary>The longest a PONG waits for others' commands.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly int[] _inProgress = new int[2];
    private int _epoch;
    // Set while a barrier waits for the other epoch's commands to end; completed when they have.
    private TaskCompletionSource? _previousEnded;
    private int _waiting;

    /// <summary>Barriers waiting now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Called each time a barrier starts to wait (tests: the PING has got this far).</summary>
    internal Action? OnWaiting { get; set; }

    /// <summary>A command begins; returns the epoch to give back to <see cref="Exit"/>.</summary>
    public int Enter()
    {
        lock (_gate)
        {
            _inProgress[_epoch]++;
            return _epoch;
        }
    }

    /// <summary>The command that <see cref="Enter"/> returned <paramref name="epoch"/> to has ended.</summary>
    public void Exit(int epoch)
    {
        TaskCompletionSource? ended = null;
        lock (_gate)
        {
            if (--_inProgress[epoch] == 0 && epoch != _epoch)
            {
                ended = _previousEnded;
                _previousEnded = null;
            }
        }
        ended?.TrySetResult();
    }

    /// <summary>
    /// Completes when every command begun before this call has ended (at most after
    /// <see cref="MaxWait"/>). The caller must not itself be counted (<see cref="Enter"/>).
    /// </summary>
    public async ValueTask WhenBegunEndedAsync(CancellationToken cancellationToken = default)
    {
        long started = 0;
        while (true)
        {
            Task previous;
            bool ours;
            lock (_gate)
            {
                if (_previousEnded is null)
                {
                    if (_inProgress[_epoch] == 0)
                    {
                        return;
                    }
                    // Commands from now on count in the other epoch; wait for this one's.
                    _epoch = 1 - _epoch;
                    _previousEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    ours = true;
                }
                else
                {
                    // Another barrier waits for the previous epoch: after it, the commands begun
                    // between its switch and this call are in the current epoch; switch again then.
                    ours = false;
                }
                previous = _previousEnded.Task;
            }
            if (started == 0)
            {
                started = time.GetTimestamp();
            }
            var left = MaxWait - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return;
            }
            Interlocked.Increment(ref _waiting);
            OnWaiting?.Invoke();
            try
            {
                await previous.WaitAsync(left, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return;
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
            if (ours)
            {
                return;
            }
        }
    }
}
