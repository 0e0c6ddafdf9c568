using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Tests.Channels;

/// <summary>Channels and users for the pure channel-rule tests: no server, no lock, no delivery.</summary>
internal static class ChannelFixture
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static long _nextId;

    public static IrcUser User(string nick, string username = "~u", string host = "host.example")
    {
        var user = new IrcUser(Interlocked.Increment(ref _nextId), new NullSink(), host, host, Now)
        {
            Nick = nick,
            Username = username,
            IsRegistered = true,
        };
        return user;
    }

    /// <summary>A channel created now with these members (the first one opped).</summary>
    public static Channel Channel(params IrcUser[] members)
    {
        var channel = new Channel("#chan", Now) { Flags = ChannelModeFlags.NoExternal | ChannelModeFlags.TopicLock };
        for (var i = 0; i < members.Length; i++)
        {
            channel.Members[members[i]] = i == 0 ? MemberStatus.Operator : MemberStatus.None;
        }
        return channel;
    }

    private sealed class NullSink : IClientSink
    {
        public Capability Caps => Capability.None;

        public void Deliver(OutboundMessage message)
        {
        }

        public void Disconnect(string reason)
        {
        }
    }
}
