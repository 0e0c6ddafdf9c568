using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Channels.ChannelScenario;

namespace Parley.Server.Tests.Channels;

/// <summary>INVITE and invite-notify. https://modern.ircdocs.horse/#invite-message</summary>
public sealed class InviteTests
{
    [Fact]
    public async Task Invite_ByMember_RepliesInvitingAndTheTargetGetsInvite()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        var reply = Assert.Single(await SendAndSyncAsync(op, "INVITE eve #chan"));
        Assert.Equal(Numerics.RPL_INVITING, reply.Command);
        Assert.Equal(["op", "eve", "#chan"], reply.Parameters);
        var invite = Assert.Single(await eve.SyncAsync());
        Assert.Equal("INVITE", invite.Command);
        Assert.StartsWith("op!", invite.Source);
        Assert.Equal(["eve", "#chan"], invite.Parameters);
    }

    [Fact]
    public async Task Invite_FromOp_LetsTheTargetPastInviteOnlyOnce()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        await SendAndSyncAsync(op, "MODE #chan +i");
        Assert.Contains(await JoinAsync(eve, "#chan"), m => m.Command == Numerics.ERR_INVITEONLYCHAN);
        await SendAndSyncAsync(op, "INVITE eve #chan");
        Assert.Contains(await JoinAsync(eve, "#chan"), m => m.Command == "JOIN");
        await SendAndSyncAsync(eve, "PART #chan");
        Assert.Contains(await JoinAsync(eve, "#chan"), m => m.Command == Numerics.ERR_INVITEONLYCHAN);
    }

    [Fact]
    public async Task Invite_FromOp_LetsTheTargetPastABan()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        await SendAndSyncAsync(op, "MODE #chan +b eve");
        await SendAndSyncAsync(op, "INVITE eve #chan");
        Assert.Contains(await JoinAsync(eve, "#chan"), m => m.Command == "JOIN");
    }

    [Fact]
    public async Task Invite_FromNonOp_DoesNotOpenABan()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        await SendAndSyncAsync(op, "MODE #chan +b eve");
        await bob.SyncAsync();
        Assert.Equal(Numerics.RPL_INVITING, Assert.Single(await SendAndSyncAsync(bob, "INVITE eve #chan")).Command);
        Assert.Contains(await JoinAsync(eve, "#chan"), m => m.Command == Numerics.ERR_BANNEDFROMCHAN);
    }

    [Theory]
    [InlineData("bob", "INVITE eve #chan", true, Numerics.ERR_CHANOPRIVSNEEDED)]
    [InlineData("eve", "INVITE carol #chan", false, Numerics.ERR_NOTONCHANNEL)]
    [InlineData("op", "INVITE bob #chan", false, Numerics.ERR_USERONCHANNEL)]
    [InlineData("op", "INVITE nobody #chan", false, Numerics.ERR_NOSUCHNICK)]
    [InlineData("op", "INVITE eve #nowhere", false, Numerics.ERR_NOSUCHCHANNEL)]
    [InlineData("op", "INVITE eve", false, Numerics.ERR_NEEDMOREPARAMS)]
    public async Task Invite_Refused_RepliesItsNumeric(string who, string line, bool inviteOnly, string numeric)
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        await server.ConnectRegisteredAsync("carol");
        if (inviteOnly)
        {
            await SendAndSyncAsync(op, "MODE #chan +i");
            await bob.SyncAsync();
        }
        var sender = who switch { "op" => op, "bob" => bob, _ => eve };
        Assert.Equal(numeric, Assert.Single(await SendAndSyncAsync(sender, line)).Command);
    }

    [Fact]
    public async Task Invite_UserOnChannel_NamesTheNickAndChannel()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        Assert.Equal(["op", "bob", "#chan"], Assert.Single(await SendAndSyncAsync(op, "INVITE bob #chan")).Parameters.Take(3));
    }

    [Fact]
    public async Task Invite_WithoutParameters_ListsPendingInvites()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        Assert.Equal(Numerics.RPL_ENDOFINVITELIST, Assert.Single(await SendAndSyncAsync(eve, "INVITE")).Command);
        await SendAndSyncAsync(op, "INVITE eve #chan");
        await eve.SyncAsync();
        var replies = await SendAndSyncAsync(eve, "INVITE");
        Assert.Equal([Numerics.RPL_INVITELIST, Numerics.RPL_ENDOFINVITELIST], replies.Select(m => m.Command));
        Assert.Equal(["eve", "#chan"], replies[0].Parameters);
    }

    [Fact]
    public async Task InviteNotify_MembersWithTheCapWhoCouldInvite_SeeIt()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server, "#chan", "invite-notify");
        var plain = await server.ConnectRegisteredAsync("plain");
        await JoinAsync(plain, "#chan");
        await op.SyncAsync();
        await bob.SyncAsync();
        await server.ConnectRegisteredAsync("eve");

        await SendAndSyncAsync(op, "INVITE eve #chan");
        var notice = Assert.Single(await bob.SyncAsync());
        Assert.Equal("INVITE", notice.Command);
        Assert.StartsWith("op!", notice.Source);
        Assert.Equal(["eve", "#chan"], notice.Parameters);
        Assert.Empty(await plain.SyncAsync());
    }

    [Fact]
    public async Task InviteNotify_OnInviteOnlyChannel_OnlyOperatorsSeeIt()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server, "#chan", "invite-notify");
        await server.ConnectRegisteredAsync("eve");
        await SendAndSyncAsync(op, "MODE #chan +i");
        await bob.SyncAsync();
        await SendAndSyncAsync(op, "INVITE eve #chan");
        Assert.Empty(await bob.SyncAsync());
    }
}
