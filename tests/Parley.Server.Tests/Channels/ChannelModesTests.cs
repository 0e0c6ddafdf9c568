using Parley.Protocol;
using Parley.Server.Network;
using static Parley.Server.Tests.Channels.ChannelFixture;

namespace Parley.Server.Tests.Channels;

/// <summary>Parsing and applying channel modes as pure functions over a channel.</summary>
public sealed class ChannelModesTests
{
    private static readonly CaseMapping Mapping = CaseMapping.Rfc1459;

    private static ModeApplyResult Apply(Channel channel, IrcUser actor, params string[] args)
    {
        var users = channel.Members.Keys.ToDictionary(u => u.Nick, Mapping.Comparer);
        return ChannelModes.Apply(channel, actor, ChannelModes.Parse(args, 0), Mapping, maxListEntries: 3, Now,
            nick => users.GetValueOrDefault(nick));
    }

    private static string Line(ModeApplyResult result) => string.Join(' ', ChannelModes.Format(result.Applied));

    [Theory]
    [InlineData(new[] { "+nt" }, "+n +t")]
    [InlineData(new[] { "+k-k", "key" }, "+k key -k *")]
    [InlineData(new[] { "-k", "anything" }, "-k *")]
    [InlineData(new[] { "-k" }, "-k *")]
    [InlineData(new[] { "+l" }, "")]
    [InlineData(new[] { "-l", "5" }, "-l")]
    [InlineData(new[] { "+b" }, "b")]
    [InlineData(new[] { "b" }, "b")]
    [InlineData(new[] { "+b", "x!*@*" }, "+b x!*@*")]
    [InlineData(new[] { "+ov", "a" }, "+o a")]
    [InlineData(new[] { "i" }, "i")]
    public void Parse_ReadsChangesAndTheirParameters(string[] args, string expected)
    {
        var request = ChannelModes.Parse(args, 0);
        Assert.Equal(expected, string.Join(' ', request.Changes));
        Assert.Empty(request.Unknown);
    }

    [Fact]
    public void Parse_CollectsUnknownLettersOnceEach()
    {
        var request = ChannelModes.Parse(["+iXqzXX"], 0);
        Assert.Equal(['X', 'q', 'z'], request.Unknown);
        Assert.Single(request.Changes);
    }

    [Fact]
    public void Parse_DropsParameterModesPastTheModesLimit()
    {
        var request = ChannelModes.Parse(["+vvvvvvvvi", "a", "b", "c", "d", "e", "f", "g", "h"], 0);
        Assert.Equal(ChannelModes.MaxParameterModes, request.Changes.Count(c => c.Mode == 'v'));
        Assert.Contains(request.Changes, c => c.Mode == 'i');
    }

    [Fact]
    public void Apply_Flags_ChangesOnlyWhatDiffers()
    {
        var op = User("op");
        var channel = Channel(op);
        var result = Apply(channel, op, "+int");
        Assert.Equal("+i", Line(result));
        Assert.True(channel.Has(ChannelModeFlags.InviteOnly));
        Assert.False(result.ShowModes);
    }

    [Fact]
    public void Apply_FlagAlreadySet_ShowsModesInstead()
    {
        var op = User("op");
        var result = Apply(Channel(op), op, "+t");
        Assert.Empty(result.Applied);
        Assert.True(result.ShowModes);
    }

    [Fact]
    public void Apply_ByNonOp_RefusesOnceAndChangesNothing()
    {
        var op = User("op");
        var bob = User("bob");
        var channel = Channel(op, bob);
        var result = Apply(channel, bob, "+ims");
        Assert.Empty(result.Applied);
        Assert.Equal([new ModeError(ModeErrorKind.ChanOpPrivsNeeded, 'i')], result.Errors);
        Assert.False(channel.Has(ChannelModeFlags.InviteOnly));
        Assert.False(result.ShowModes);
    }

    [Theory]
    [InlineData("b", true)]
    [InlineData("e", false)]
    [InlineData("I", false)]
    public void Apply_ListQueryByNonOp_OnlyBanListIsOpen(string mode, bool allowed)
    {
        var op = User("op");
        var bob = User("bob");
        var result = Apply(Channel(op, bob), bob, mode);
        Assert.Equal(allowed, result.ListsRequested.Count == 1);
        Assert.Equal(allowed, result.Errors.Count == 0);
    }

    [Theory]
    [InlineData("-o", "bob", true)]
    [InlineData("-v", "BOB", true)]
    [InlineData("+v", "bob", false)]
    [InlineData("-o", "op", false)]
    public void Apply_NonOp_MayOnlyRemoveOwnStatus(string mode, string nick, bool allowed)
    {
        var op = User("op");
        var bob = User("bob");
        var channel = Channel(op, bob);
        channel.Members[bob] = MemberStatus.Voice;
        var result = Apply(channel, bob, mode, nick);
        Assert.Equal(allowed, result.Errors.Count == 0);
    }

    [Fact]
    public void Apply_OpOnMember_SetsStatusAndSpellsNickAsKnown()
    {
        var op = User("op");
        var bob = User("Bob");
        var channel = Channel(op, bob);
        var result = Apply(channel, op, "+ov", "bob", "BOB");
        Assert.Equal("+ov Bob Bob", Line(result));
        Assert.Equal(MemberStatus.Operator | MemberStatus.Voice, channel.Members[bob]);
    }

    [Fact]
    public void Apply_OpOnUnknownOrAbsentNick_ReportsEach()
    {
        var op = User("op");
        var channel = Channel(op);
        var outsider = User("outsider");
        var result = ChannelModes.Apply(channel, op, ChannelModes.Parse(["+oo", "nobody", "outsider"], 0), Mapping, 3, Now,
            nick => Mapping.Equals(nick, "outsider") ? outsider : null);
        Assert.Equal(
            [new ModeError(ModeErrorKind.NoSuchNick, 'o', "nobody"), new ModeError(ModeErrorKind.UserNotInChannel, 'o', "outsider")],
            result.Errors);
        Assert.Empty(result.Applied);
    }

    [Theory]
    [InlineData("secret", true)]
    [InlineData("", false)]
    [InlineData("two words", false)]
    [InlineData("a,b", false)]
    [InlineData(":colon", false)]
    public void Apply_Key_IsValidatedForUseInJoin(string key, bool valid)
    {
        var op = User("op");
        var channel = Channel(op);
        var result = Apply(channel, op, "+k", key);
        Assert.Equal(valid, channel.Key == key);
        ModeError[] expected = valid ? [] : [new ModeError(ModeErrorKind.InvalidParam, 'k', key)];
        Assert.Equal(expected, result.Errors);
    }

    [Fact]
    public void Apply_RemoveKey_AcceptsAnyParameterAndIsDroppedWhenNoKey()
    {
        var op = User("op");
        var channel = Channel(op);
        Assert.Empty(Apply(channel, op, "-k", "whatever").Applied);
        channel.Key = "secret";
        Assert.Equal("-k *", Line(Apply(channel, op, "-k", "wrong")));
        Assert.Null(channel.Key);
    }

    [Theory]
    [InlineData("10", 10)]
    [InlineData("0", null)]
    [InlineData("-1", null)]
    [InlineData("abc", null)]
    [InlineData("", null)]
    [InlineData("99999999999", null)]
    public void Apply_Limit_AcceptsOnlyPositiveIntegers(string value, int? expected)
    {
        var op = User("op");
        var channel = Channel(op);
        var result = Apply(channel, op, "+l", value);
        Assert.Equal(expected, channel.Limit);
        Assert.Equal(expected is null, result.Errors.Exists(e => e.Kind == ModeErrorKind.InvalidParam && e.Mode == 'l'));
    }

    [Theory]
    [InlineData("bar", "bar!*@*")]
    [InlineData("bar!u", "bar!u@*")]
    [InlineData("u@host", "*!u@host")]
    [InlineData("m:bar", "m:bar!*@*")]
    [InlineData("m:*!*@evil", "m:*!*@evil")]
    [InlineData("a:Bob", "a:Bob")]
    public void Apply_Ban_NormalizesTheMask(string raw, string stored)
    {
        var op = User("op");
        var channel = Channel(op);
        var result = Apply(channel, op, "+b", raw);
        Assert.Equal("+b " + stored, Line(result));
        Assert.Equal(stored, Assert.Single(channel.Bans).Mask);
        Assert.Equal(op.Prefix, channel.Bans[0].SetBy);
    }

    [Theory]
    [InlineData("b", "x:foo")]
    [InlineData("b", "m:")]
    [InlineData("I", "m:foo")]
    [InlineData("e", "a:")]
    public void Apply_UnknownOrMisplacedExtban_IsInvalid(string mode, string mask)
    {
        var op = User("op");
        var result = Apply(Channel(op), op, "+" + mode, mask);
        Assert.Equal(ModeErrorKind.InvalidParam, Assert.Single(result.Errors).Kind);
    }

    [Fact]
    public void Apply_BanTwice_OrRemoveMissing_IsDropped()
    {
        var op = User("op");
        var channel = Channel(op);
        Apply(channel, op, "+b", "BAR!*@*");
        Assert.Empty(Apply(channel, op, "+b", "bar!*@*").Applied);
        Assert.Empty(Apply(channel, op, "-b", "other!*@*").Applied);
        Assert.Single(channel.Bans);
    }

    [Fact]
    public void Apply_RemoveBan_MatchesUpToCase()
    {
        var op = User("op");
        var channel = Channel(op);
        Apply(channel, op, "+b", "BAR!*@*");
        Assert.Equal("-b BAR!*@*", Line(Apply(channel, op, "-b", "bar")));
        Assert.Empty(channel.Bans);
    }

    [Fact]
    public void Apply_ListFull_RefusesOncePerList()
    {
        var op = User("op");
        var channel = Channel(op);
        var result = Apply(channel, op, "+bbbbb", "a", "b", "c", "d", "e");
        Assert.Equal(3, channel.Bans.Count);
        Assert.Equal([new ModeError(ModeErrorKind.ListFull, 'b')], result.Errors);
    }

    [Fact]
    public void Apply_ListQueries_AreEachAnsweredOnce()
    {
        var op = User("op");
        var result = Apply(Channel(op), op, "bbbeb");
        Assert.Equal(['b', 'e'], result.ListsRequested);
    }

    [Fact]
    public void Format_GroupsSignsAndAppendsParameters()
    {
        ModeChange[] applied =
        [
            new(ModeOp.Add, 'i'), new(ModeOp.Add, 'o', "bob"), new(ModeOp.Remove, 'k', "*"),
            new(ModeOp.Remove, 'l'), new(ModeOp.Add, 'l', "5"),
        ];
        Assert.Equal(["+io-kl+l", "bob", "*", "5"], ChannelModes.Format(applied));
    }

    [Theory]
    [InlineData(true, new[] { "+klnt", "secret", "7" })]
    [InlineData(false, new[] { "+klnt" })]
    public void Describe_ShowsKeyAndLimitValuesOnlyWhenAsked(bool showParams, string[] expected)
    {
        var channel = Channel(User("op"));
        channel.Key = "secret";
        channel.Limit = 7;
        Assert.Equal(expected, ChannelModes.Describe(channel, showParams));
    }
}
