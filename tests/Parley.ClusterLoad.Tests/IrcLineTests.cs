using System.Text;

namespace Parley.ClusterLoad.Tests;

public class IrcLineTests
{
    private static (LineKind Kind, int Numeric, string Text) Classify(string line)
    {
        var kind = IrcLine.Classify(Encoding.ASCII.GetBytes(line), out var numeric, out var rest);
        return (kind, numeric, Encoding.ASCII.GetString(rest));
    }

    [Theory]
    [InlineData(":alice!a@h PRIVMSG #fanout :1:2:3:xx", "1:2:3:xx")]
    [InlineData("@time=2026-12-07T00:00:00.000Z;msgid=x :alice!a@h PRIVMSG #fanout :1:2:3:", "1:2:3:")]
    [InlineData(":alice PRIVMSG #fanout word", "word")]
    [InlineData(":alice PRIVMSG #fanout :with spaces : and colons", "with spaces : and colons")]
    public void Privmsg_GivesTheText(string line, string text) =>
        Assert.Equal((LineKind.Privmsg, 0, text), Classify(line));

    [Theory]
    [InlineData(":irc.example 001 nick :Welcome", 1)]
    [InlineData(":irc.example 366 nick #fanout :End of /NAMES list.", 366)]
    [InlineData(":irc.example 433 * nick :Nickname is already in use", 433)]
    public void Numeric_GivesItsNumber(string line, int numeric)
    {
        var (kind, n, _) = Classify(line);
        Assert.Equal((LineKind.Numeric, numeric), (kind, n));
    }

    [Fact]
    public void Ping_GivesItsParameters() => Assert.Equal((LineKind.Ping, 0, ":token"), Classify("PING :token"));

    [Fact]
    public void Error_IsRecognised() => Assert.Equal(LineKind.Error, Classify("ERROR :Closing Link: x (SendQ exceeded)").Kind);

    [Theory]
    [InlineData(":alice!a@h JOIN #fanout")]
    [InlineData(":alice PRIVMSG")]
    [InlineData(":onlyprefix")]
    [InlineData("@onlytags")]
    [InlineData(":irc 1234 x")]
    [InlineData(":irc 12a x")]
    public void Others_AreOther(string line) => Assert.Equal(LineKind.Other, Classify(line).Kind);
}
