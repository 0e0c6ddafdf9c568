namespace Parley.Protocol.Tests;

public sealed class TagEscapingTests
{
    /// <summary>The escaping table of https://ircv3.net/specs/extensions/message-tags#escaping-values.</summary>
    [Theory]
    [InlineData(";", "\\:")]
    [InlineData(" ", "\\s")]
    [InlineData("\\", "\\\\")]
    [InlineData("\r", "\\r")]
    [InlineData("\n", "\\n")]
    [InlineData("raw+:=,escaped; \\", "raw+:=,escaped\\:\\s\\\\")]
    [InlineData("a\\sb", "a\\\\sb")]
    [InlineData("héllo wörld", "héllo\\swörld")]
    [InlineData("", "")]
    public void Escape_FollowsTheSpecTable(string raw, string escaped)
    {
        Assert.Equal(escaped, TagEscaping.Escape(raw));
        Assert.Equal(raw, TagEscaping.Unescape(escaped));
    }

    [Fact]
    public void Escape_NothingToEscape_ReturnsTheSameInstance()
    {
        var value = "plain:value=with,commas+and/slashes";

        Assert.Same(value, TagEscaping.Escape(value));
    }

    [Theory]
    [InlineData("a\0b", "ab")]
    [InlineData("\0", "")]
    [InlineData("\0 \0", "\\s")]
    public void Escape_Nul_IsDropped(string raw, string escaped)
    {
        Assert.Equal(escaped, TagEscaping.Escape(raw));
    }

    [Theory]
    [InlineData("x\\b", "xb")]
    [InlineData("\\a\\b\\c", "abc")]
    [InlineData("x\\", "x")]
    [InlineData("\\", "")]
    [InlineData("\\\\\\", "\\")]
    [InlineData("\\:\\", ";")]
    [InlineData("\\\\n", "\\n")]
    public void Unescape_InvalidOrTrailingBackslash_IsDropped(string escaped, string expected)
    {
        Assert.Equal(expected, TagEscaping.Unescape(escaped));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData(";;;")]
    [InlineData("   ")]
    [InlineData("\\\\\\")]
    [InlineData("\r\n\r\n")]
    [InlineData("\\s is not a space")]
    [InlineData("mixed; \\ \r\n :=,+/ 🎉 é")]
    public void UnescapeOfEscape_GivesBackTheValue(string value)
    {
        Assert.Equal(value, TagEscaping.Unescape(TagEscaping.Escape(value)));
    }

    [Theory]
    [InlineData("a b;c\\d\re\nf")]
    [InlineData("; ;")]
    public void Escape_LeavesNoSeparatorOrLineBreak(string value)
    {
        var escaped = TagEscaping.Escape(value);

        Assert.DoesNotContain(' ', escaped);
        Assert.DoesNotContain(';', escaped);
        Assert.DoesNotContain('\r', escaped);
        Assert.DoesNotContain('\n', escaped);
    }
}
