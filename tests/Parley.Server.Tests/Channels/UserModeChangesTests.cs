using Parley.Server.Network;

namespace Parley.Server.Tests.Channels;

/// <summary>What a user may do to their own modes.</summary>
public sealed class UserModeChangesTests
{
    [Theory]
    [InlineData(UserModes.None, "+i", UserModes.Invisible, "+i")]
    [InlineData(UserModes.None, "+iwB", UserModes.Invisible | UserModes.Wallops | UserModes.Bot, "+iwB")]
    [InlineData(UserModes.Invisible, "+i", UserModes.Invisible, "")]
    [InlineData(UserModes.Invisible, "-i+w", UserModes.Wallops, "-i+w")]
    [InlineData(UserModes.None, "+o", UserModes.None, "")]
    [InlineData(UserModes.Operator | UserModes.Invisible, "-o", UserModes.Invisible, "-o")]
    [InlineData(UserModes.None, "i", UserModes.Invisible, "+i")]
    public void Apply_ChangesWhatTheUserMay(UserModes before, string modeString, UserModes after, string applied)
    {
        var changes = UserModeChanges.Parse(modeString, out var unknown);
        Assert.False(unknown);
        Assert.Equal((after, applied), UserModeChanges.Apply(before, changes));
    }

    [Fact]
    public void Parse_ReportsUnknownLettersAndKeepsTheRest()
    {
        var changes = UserModeChanges.Parse("+iZ", out var unknown);
        Assert.True(unknown);
        Assert.Equal(UserModes.Invisible, Assert.Single(changes).Mode);
    }
}
