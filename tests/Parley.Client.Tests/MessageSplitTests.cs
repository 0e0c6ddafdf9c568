using System.Text;

namespace Parley.Client.Tests;

public sealed class MessageSplitTests
{
    [Theory]
    [InlineData("short", 1)]
    [InlineData("", 1)]
    public void ShortText_IsOneMessage(string text, int count) => Assert.Equal(count, IrcClient.SplitMessage(text, 100).Count());

    [Fact]
    public void LongText_IsCutAfterSpaces_AndNothingIsLost()
    {
        var text = string.Join(' ', Enumerable.Range(0, 300).Select(i => $"word{i}"));
        var parts = IrcClient.SplitMessage(text, 100).ToList();
        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 100));
        Assert.All(parts.SkipLast(1), p => Assert.EndsWith(" ", p, StringComparison.Ordinal));
        Assert.Equal(text, string.Concat(parts));
    }

    [Fact]
    public void MultiByteCharacters_AreNeverCut()
    {
        var text = string.Concat(Enumerable.Repeat("é😀", 200));
        var parts = IrcClient.SplitMessage(text, 50).ToList();
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 50));
        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1])));
        Assert.Equal(text, string.Concat(parts));
    }

    [Fact]
    public void Budget_KeepsTheRelayedLineWithin512Bytes()
    {
        var budget = IrcClient.MessageBudget("alice", "#room");
        var relayed = $":alice!{new string('u', 18)}@{new string('h', 64)} PRIVMSG #room :{new string('x', budget)}\r\n";
        Assert.True(Encoding.UTF8.GetByteCount(relayed) <= 512);
    }
}
