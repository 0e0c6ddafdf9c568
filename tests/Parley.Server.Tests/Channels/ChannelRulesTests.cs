using Parley.Protocol;
using Parley.Server.Network;
using static Parley.Server.Tests.Channels.ChannelFixture;

namespace Parley.Server.Tests.Channels;

/// <summary>Who may join, speak, set the topic, kick and invite: pure rules over a channel.</summary>
public sealed class ChannelRulesTests
{
    private static readonly CaseMapping Mapping = CaseMapping.Rfc1459;

    private static void AddBan(Channel channel, string mask) => channel.Bans.Add(new ListEntry(mask, "op!u@h", Now));

    private static IrcUser LoggedIn(string nick, string? account)
    {
        var user = User(nick);
        user.Account = account;
        return user;
    }

    [Theory]
    [InlineData("bob", true)]
    [InlineData("BOB", true)]
    [InlineData(null, false)]
    [InlineData("bobby", false)]
    public void AccountExtban_MatchesTheAccount_NeverTheNick(string? account, bool banned)
    {
        var channel = Channel(User("op"));
        AddBan(channel, "a:bob");
        var expected = banned ? JoinError.Banned : JoinError.None;
        Assert.Equal(expected, ChannelRules.CheckJoin(channel, LoggedIn("bob", account), key: null, Mapping));
        Assert.Equal(expected, ChannelRules.CheckJoin(channel, LoggedIn("other", account), key: null, Mapping));
    }

    [Fact]
    public void AccountExtban_AsExceptionAndInviteException_LetsTheAccountIn()
    {
        var channel = Channel(User("op"));
        AddBan(channel, "*!*@*");
        channel.Excepts.Add(new ListEntry("a:b*", "op!u@h", Now));
        Assert.Equal(JoinError.None, ChannelRules.CheckJoin(channel, LoggedIn("x", "bob"), key: null, Mapping));
        Assert.Equal(JoinError.Banned, ChannelRules.CheckJoin(channel, LoggedIn("bob", null), key: null, Mapping));

        var invite = Channel(User("op"));
        invite.Flags |= ChannelModeFlags.InviteOnly;
        invite.InviteExceptions.Add(new ListEntry("a:bob", "op!u@h", Now));
        Assert.Equal(JoinError.None, ChannelRules.CheckJoin(invite, LoggedIn("x", "bob"), key: null, Mapping));
        Assert.Equal(JoinError.InviteOnly, ChannelRules.CheckJoin(invite, LoggedIn("bob", null), key: null, Mapping));
    }

    [Fact]
    public void AccountExtban_DoesNotMute()
    {
        var bob = LoggedIn("bob", "bob");
        var channel = Channel(User("op"), bob);
        channel.Excepts.Add(new ListEntry("a:bob", "op!u@h", Now));
        AddBan(channel, "m:bob!*@*");
        Assert.Equal(ChannelRules.SendError.Muted, ChannelRules.CheckSend(channel, bob, Mapping));
    }

    [Fact]
    public void MuteExtban_DoesNotKeepTheUserOut()
    {
        var op = User("op");
        var channel = Channel(op);
        AddBan(channel, "m:bar!*@*");
        Assert.Equal(JoinError.None, ChannelRules.CheckJoin(channel, User("bar"), key: null, Mapping));
    }

    [Theory]
    [InlineData(MemberStatus.None, ChannelRules.SendError.Muted)]
    [InlineData(MemberStatus.Voice, ChannelRules.SendError.None)]
    [InlineData(MemberStatus.Operator, ChannelRules.SendError.None)]
    public void MuteExtban_SilencesUnlessVoicedOrOpped(MemberStatus status, ChannelRules.SendError expected)
    {
        var bar = User("Bar");
        var channel = Channel(User("op"), bar);
        channel.Members[bar] = status;
        AddBan(channel, "m:bar!*@*");
        Assert.Equal(expected, ChannelRules.CheckSend(channel, bar, Mapping));
    }

    [Fact]
    public void MuteExtban_IsLiftedByAMuteException()
    {
        var qux = User("qux", username: "~evan");
        var channel = Channel(User("op"), qux);
        AddBan(channel, "m:qux!*@*");
        channel.Excepts.Add(new ListEntry("m:*!*evan@*", "op!u@h", Now));
        Assert.Equal(ChannelRules.SendError.None, ChannelRules.CheckSend(channel, qux, Mapping));
    }

    [Fact]
    public void MuteExtban_DoesNotMatchOtherUsers()
    {
        var baz = User("baz");
        var channel = Channel(User("op"), baz);
        AddBan(channel, "m:bar!*@*");
        Assert.Equal(ChannelRules.SendError.None, ChannelRules.CheckSend(channel, baz, Mapping));
    }

    [Fact]
    public void Ban_KeepsOutAndSilencesUnvoicedMembers()
    {
        var bar = User("bar");
        var channel = Channel(User("op"), bar);
        AddBan(channel, "bar!*@*");
        Assert.Equal(JoinError.Banned, ChannelRules.CheckJoin(channel, User("bar"), null, Mapping));
        Assert.Equal(ChannelRules.SendError.Banned, ChannelRules.CheckSend(channel, bar, Mapping));
    }

    [Theory]
    [InlineData(false, MemberStatus.None, ChannelOpError.None)]
    [InlineData(true, MemberStatus.None, ChannelOpError.ChanOpPrivsNeeded)]
    [InlineData(true, MemberStatus.Voice, ChannelOpError.ChanOpPrivsNeeded)]
    [InlineData(true, MemberStatus.Operator, ChannelOpError.None)]
    public void SetTopic_WithTopicLock_NeedsOperator(bool topicLock, MemberStatus status, ChannelOpError expected)
    {
        var bob = User("bob");
        var channel = Channel(User("op"), bob);
        channel.Flags = topicLock ? ChannelModeFlags.TopicLock : ChannelModeFlags.None;
        channel.Members[bob] = status;
        Assert.Equal(expected, ChannelRules.CheckSetTopic(channel, bob));
    }

    [Fact]
    public void SetTopic_ByOutsider_IsNotOnChannel()
        => Assert.Equal(ChannelOpError.NotOnChannel, ChannelRules.CheckSetTopic(Channel(User("op")), User("eve")));

    [Fact]
    public void Kick_ChecksKickerThenTarget()
    {
        var op = User("op");
        var bob = User("bob");
        var channel = Channel(op, bob);
        Assert.Equal(ChannelOpError.NotOnChannel, ChannelRules.CheckKick(channel, User("eve"), bob));
        Assert.Equal(ChannelOpError.ChanOpPrivsNeeded, ChannelRules.CheckKick(channel, bob, op));
        Assert.Equal(ChannelOpError.NoSuchNick, ChannelRules.CheckKick(channel, op, null));
        Assert.Equal(ChannelOpError.UserNotInChannel, ChannelRules.CheckKick(channel, op, User("eve")));
        Assert.Equal(ChannelOpError.None, ChannelRules.CheckKick(channel, op, bob));
    }

    [Fact]
    public void Invite_ChecksMembershipInviteOnlyAndPresence()
    {
        var op = User("op");
        var bob = User("bob");
        var channel = Channel(op, bob);
        var eve = User("eve");
        Assert.Equal(ChannelOpError.NotOnChannel, ChannelRules.CheckInvite(channel, eve, User("x")));
        Assert.Equal(ChannelOpError.UserOnChannel, ChannelRules.CheckInvite(channel, op, bob));
        Assert.Equal(ChannelOpError.None, ChannelRules.CheckInvite(channel, bob, eve));
        channel.Flags |= ChannelModeFlags.InviteOnly;
        Assert.Equal(ChannelOpError.ChanOpPrivsNeeded, ChannelRules.CheckInvite(channel, bob, eve));
        Assert.Equal(ChannelOpError.None, ChannelRules.CheckInvite(channel, op, eve));
    }

    [Fact]
    public void Invite_OnlyAnOperatorsInviteGrantsEntry()
    {
        var op = User("op");
        var bob = User("bob");
        var channel = Channel(op, bob);
        Assert.True(ChannelRules.InviteGrantsEntry(channel, op));
        Assert.False(ChannelRules.InviteGrantsEntry(channel, bob));
    }
}
