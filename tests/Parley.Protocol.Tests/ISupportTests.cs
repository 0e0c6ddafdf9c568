using System.Text;

namespace Parley.Protocol.Tests;

public sealed class ISupportTests
{
    /// <summary>Modern IRC: values escape space, backslash and '=' as \x20, \x5C and \x3D.</summary>
    [Theory]
    [InlineData("a b", "a\\x20b")]
    [InlineData("a\\b", "a\\x5Cb")]
    [InlineData("a=b", "a\\x3Db")]
    [InlineData("My Network = Best", "My\\x20Network\\x20\\x3D\\x20Best")]
    [InlineData("\\x20", "\\x5Cx20")]
    [InlineData("\\ =", "\\x5C\\x20\\x3D")]
    [InlineData("", "")]
    [InlineData("(ov)@+", "(ov)@+")]
    [InlineData("#:25,&:", "#:25,&:")]
    public void EscapeValue_EscapesSpaceBackslashAndEquals(string value, string expected)
    {
        Assert.Equal(expected, ISupport.EscapeValue(value));
    }

    [Theory]
    [InlineData("a\rb", "a\\x0Db")]
    [InlineData("a\nb", "a\\x0Ab")]
    [InlineData("a\0b", "a\\x00b")]
    [InlineData("\r\n \\", "\\x0D\\x0A\\x20\\x5C")]
    public void EscapeValue_EscapesWhatAParameterCannotHold(string value, string expected)
    {
        // CR, LF and NUL would be written as spaces and split the token in two.
        Assert.Equal(expected, ISupport.EscapeValue(value));
    }

    [Fact]
    public void EscapeValue_NothingToEscape_ReturnsTheSameInstance()
    {
        var value = "#&";

        Assert.Same(value, ISupport.EscapeValue(value));
    }

    [Fact]
    public void Formatted_WritesBareNamesAndEscapedValuesInOrder()
    {
        var isupport = new ISupport()
            .Set("CASEMAPPING", "rfc1459")
            .Set("EXCEPTS")
            .Set("NETWORK", "My Net")
            .Set("CHANTYPES", "#");

        Assert.Equal(["CASEMAPPING=rfc1459", "EXCEPTS", "NETWORK=My\\x20Net", "CHANTYPES=#"], isupport.Formatted());
    }

    [Fact]
    public void Set_ExistingName_ReplacesTheValueInPlace()
    {
        var isupport = new ISupport().Set("A", "1").Set("B").Set("C", "3");

        isupport.Set("B", "2").Set("A");

        Assert.Equal(["A", "B=2", "C=3"], isupport.Formatted());
        Assert.Equal(3, isupport.Tokens.Count);
        Assert.Equal("2", isupport.Get("B"));
    }

    [Fact]
    public void Set_ReturnsTheSameInstance()
    {
        var isupport = new ISupport();

        Assert.Same(isupport, isupport.Set("A"));
    }

    [Fact]
    public void GetAndHas_TellBareFromMissing()
    {
        var isupport = new ISupport().Set("EXCEPTS").Set("MODES", "4");

        Assert.True(isupport.Has("EXCEPTS"));
        Assert.Null(isupport.Get("EXCEPTS"));
        Assert.Equal("4", isupport.Get("MODES"));
        Assert.False(isupport.Has("INVEX"));
        Assert.Null(isupport.Get("INVEX"));
    }

    [Theory]
    [InlineData(0, new int[0])]
    [InlineData(1, new[] { 1 })]
    [InlineData(12, new[] { 12 })]
    [InlineData(13, new[] { 13 })]
    [InlineData(14, new[] { 13, 1 })]
    [InlineData(26, new[] { 13, 13 })]
    [InlineData(27, new[] { 13, 13, 1 })]
    [InlineData(40, new[] { 13, 13, 13, 1 })]
    public void Lines_HoldAtMostThirteenTokensEachInOrder(int tokens, int[] perLine)
    {
        var isupport = new ISupport();
        for (var i = 0; i < tokens; i++)
        {
            isupport.Set($"T{i}", i % 2 == 0 ? $"{i}" : null);
        }

        var lines = isupport.Lines().ToList();

        Assert.Equal(perLine, lines.Select(l => l.Length));
        Assert.Equal(isupport.Formatted(), lines.SelectMany(l => l));
    }

    [Fact]
    public void Lines_WrittenAs005_ParseBackToTheSameTokens()
    {
        var isupport = new ISupport()
            .Set("CASEMAPPING", CaseMapping.Rfc1459.Name)
            .Set("NETWORK", "Parley Test Net")
            .Set("ODD", "a=b\\c\r\nd")
            .Set("EXCEPTS");
        for (var i = 0; i < 20; i++)
        {
            isupport.Set($"X{i}", $"{i}");
        }

        foreach (var tokens in isupport.Lines())
        {
            var message = new IrcMessage(null, "irc.example.com", Numerics.RPL_ISUPPORT, ["nick", .. tokens, "are supported by this server"]);
            var bytes = IrcWriter.ToBytes(message);

            Assert.True(IrcParser.TryParse(bytes.AsSpan(0, bytes.Length - 2), out var parsed, out var error), error.ToString());
            Assert.InRange(parsed.Parameters.Count, 3, IrcLimits.MaxParameters);
            Assert.Equal(tokens, parsed.Parameters.Skip(1).Take(parsed.Parameters.Count - 2));
            Assert.InRange(Encoding.UTF8.GetByteCount(IrcWriter.ToLine(message)), 1, IrcLimits.MaxLineBodyBytes);
        }
    }
}
