using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>
/// The connections of one user (multiclient, as Ergo's): usually one; several when connections
/// logged in to one account share its nick. Delivering to the user delivers to each of them,
/// each encoded for its own capabilities.
/// https://github.com/ergochat/ergo/blob/master/docs/MANUAL.md#multiclient-bouncer
/// </summary>
/// <remarks>
/// Threading: changed only under <see cref="IrcNetwork"/>'s lock (attach, detach), which
/// replaces the array whole; delivery reads the array once, so it may run from any thread.
/// Each entry pairs the session's own sink (its identity: the <see cref="ReplyBuffer.Owner"/>
/// of its commands) with the sink Network delivers through (the delivery pipeline's wrapper).
/// </remarks>
public sealed class ClientSessions : IClientSink
{
    private volatile Entry[] _entries;

    public ClientSessions(IClientSink key, IClientSink target) => _entries = [new Entry(key, target)];

    /// <summary>One connection: its own sink (its identity) and the sink Network delivers through.</summary>
    public readonly record struct Entry(IClientSink Key, IClientSink Target);

    /// <summary>How many connections the user has (0 for an always-on user with none).</summary>
    public int Count => _entries.Length;

    /// <summary>The union of the connections' capabilities: whether any of them has a capability.</summary>
    public Capability Caps
    {
        get
        {
            var entries = _entries;
            if (entries.Length == 1)
            {
                return entries[0].Target.Caps;
            }
            var caps = Capability.None;
            foreach (var e in entries)
            {
                caps |= e.Target.Caps;
            }
            return caps;
        }
    }

    /// <summary>The connections, as they are now (an array never changed in place).</summary>
    public ReadOnlySpan<Entry> Entries => _entries;

    /// <summary>Whether <paramref name="key"/> is one of these connections.</summary>
    public bool Contains(IClientSink key) => Array.Exists(_entries, e => e.Key == key);

    public void Deliver(OutboundMessage message)
    {
        foreach (var e in _entries)
        {
            e.Target.Deliver(message);
        }
    }

    /// <summary>Delivers to the connections that have <paramref name="required"/>.</summary>
    public void Deliver(OutboundMessage message, Capability required) => DeliverExcept(null, message, required);

    /// <summary>
    /// Delivers to every connection but <paramref name="except"/> (the acting one, which gets
    /// its copy through its replies) that has <paramref name="required"/>: a multiclient user's
    /// other connections see what one of them does.
    /// </summary>
    public void DeliverExcept(IClientSink? except, OutboundMessage message, Capability required = Capability.None)
    {
        foreach (var e in _entries)
        {
            if (e.Key != except && (required == Capability.None || (e.Target.Caps & required) == required))
            {
                e.Target.Deliver(message);
            }
        }
    }

    /// <summary>The sinks of every connection but <paramref name="except"/>.</summary>
    public IEnumerable<IClientSink> Others(IClientSink? except)
    {
        foreach (var e in _entries)
        {
            if (e.Key != except)
            {
                yield return e.Target;
            }
        }
    }

    /// <summary>Ends every connection of the user (KILL, a ban, shutdown).</summary>
    public void Disconnect(string reason)
    {
        foreach (var e in _entries)
        {
            e.Target.Disconnect(reason);
        }
    }

    /// <summary>Adds the connections of <paramref name="other"/> (under Network's lock).</summary>
    internal void Attach(ClientSessions other) => _entries = [.. _entries, .. other._entries];

    /// <summary>Removes one connection (under Network's lock); returns how many remain.</summary>
    internal int Detach(IClientSink key)
    {
        _entries = Array.FindAll(_entries, e => e.Key != key);
        return _entries.Length;
    }
}
