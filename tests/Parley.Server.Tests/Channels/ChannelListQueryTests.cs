using Parley.Protocol;
using Parley.Server.Network;

namespace Parley.Server.Tests.Channels;

/// <summary>LIST's ELIST conditions (C, M, N, T, U) as a pure filter.</summary>
public sealed class ChannelListQueryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    /// <summary>#chan1: 3 users, created 10 minutes ago, topic set 5 minutes ago. #chan2: 1 user, 1 minute old, no topic.</summary>
    private static readonly (Channel Channel, int Users)[] Channels =
    [
        (new Channel("#chan1", Now.AddMinutes(-10)) { Topic = "t", TopicSetAt = Now.AddMinutes(-5) }, 3),
        (new Channel("#chan2", Now.AddMinutes(-1)), 1),
    ];

    private static string Listed(params string[] parameters)
    {
        var query = ChannelListQuery.Parse(parameters);
        return string.Join(',', Channels.Where(c => query.Matches(c.Channel, c.Users, Now, CaseMapping.Rfc1459)).Select(c => c.Channel.Name));
    }

    [Theory]
    [InlineData("", "#chan1,#chan2")]
    [InlineData(">0", "#chan1,#chan2")]
    [InlineData(">1", "#chan1")]
    [InlineData("<3", "#chan2")]
    [InlineData("<1", "")]
    [InlineData("C>2", "#chan1")]
    [InlineData("C<2", "#chan2")]
    [InlineData("C<0", "")]
    [InlineData("C>0", "#chan1,#chan2")]
    [InlineData("T>2", "#chan1")]
    [InlineData("T<2", "")]
    [InlineData("T<10", "#chan1")]
    [InlineData("*an1", "#chan1")]
    [InlineData("#C*N2", "#chan2")]
    [InlineData("!*an1", "#chan2")]
    [InlineData("!#ch*", "")]
    [InlineData("#ch*,>2", "#chan1")]
    [InlineData("C>abc", "#chan1,#chan2")]
    public void Matches_FiltersByCondition(string parameter, string expected)
        => Assert.Equal(expected, parameter.Length == 0 ? Listed() : Listed(parameter));

    [Fact]
    public void Parse_SeparatesNamesFromConditions()
    {
        var query = ChannelListQuery.Parse(["#a,#b", ">5,C<3"]);
        Assert.Equal(["#a", "#b"], query.Names);
        Assert.Equal(5, query.MoreUsersThan);
        Assert.Equal(TimeSpan.FromMinutes(3), query.CreatedLessThan);
    }
}
