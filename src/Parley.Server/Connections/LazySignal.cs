namespace Parley.Server.Connections;

/// <summary>
/// A one-shot completion signal whose <see cref="Task"/> is made only when someone asks for it,
/// so the many connections nobody waits on carry no TaskCompletionSource (issue 7: idle memory).
/// </summary>
/// <remarks>
/// A mutable struct: keep it in a non-readonly field and call it there. Threading: <see cref="Set"/>
/// and <see cref="Task"/> from any thread; both fence fully, so a task asked for before or after
/// <see cref="Set"/> completes either way.
/// </remarks>
internal struct LazySignal
{
    private TaskCompletionSource? _source;
    private int _set;

    public bool IsSet => Volatile.Read(ref _set) != 0;

    public Task Task
    {
        get
        {
            var source = Volatile.Read(ref _source);
            if (source is null)
            {
                var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                source = Interlocked.CompareExchange(ref _source, made, null) ?? made;
            }
            if (Volatile.Read(ref _set) != 0)
            {
                source.TrySetResult();
            }
            return source.Task;
        }
    }

    public void Set()
    {
        Interlocked.Exchange(ref _set, 1);
        Volatile.Read(ref _source)?.TrySetResult();
    }
}
