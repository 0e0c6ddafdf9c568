using System.Buffers;
using System.Text;
using Parley.Protocol.Tests.Support;

namespace Parley.Protocol.Tests;

public sealed class IrcWriterTests
{
    private static readonly string[] Fourteen = [.. Enumerable.Range(1, 14).Select(i => $"p{i}")];

    /// <summary>tags ("key=value" or "key"), source, command, parameters: messages that must survive parse(write(m)).</summary>
    public static TheoryData<string[], string?, string, string[]> RoundTripCases => new()
    {
        { [], null, "PING", ["x"] },
        { [], null, "PING", [] },
        { [], "src", "AWAY", [] },
        { [], "src", "AWAY", [""] },
        { [], null, "PRIVMSG", ["#chan", "hello world"] },
        { [], null, "PRIVMSG", ["#chan", ""] },
        { [], null, "PRIVMSG", ["#chan", ":)"] },
        { [], null, "PRIVMSG", ["#chan", ":"] },
        { [], null, "PRIVMSG", ["#chan", "::"] },
        { [], null, "PRIVMSG", ["#chan", " "] },
        { [], null, "PRIVMSG", ["#chan", "  leading and trailing  "] },
        { [], null, "PRIVMSG", ["#chan", "lol :) "] },
        { [], null, "NOTICE", ["*", "a:b"] },
        { [], null, "NOTICE", ["a:b", "c"] },
        { [], "irc.example.com", "001", ["nick", "Welcome to the Parley network, nick"] },
        { [], "irc.example.com", "433", ["*", "nick", "Nickname is already in use"] },
        { [], "nick!user@host", "JOIN", ["#chan"] },
        { [], "nick!user@host", "QUIT", ["Quit: bye"] },
        { [], "SomeOp", "MODE", ["#channel", "+oo", "SomeUser", "AnotherUser"] },
        { [], null, "CAP", ["*", "LS", "multi-prefix sasl message-tags"] },
        { [], "coolguy", "FOO", ["b\tar", "baz"] },
        { [], "nïck!ü@hôst", "PRIVMSG", ["#café", "héllo wörld 🎉"] },
        { ["+typing=active"], "nick!u@h", "TAGMSG", ["#chan"] },
        { ["aaa=bbb", "ccc", "example.com/ddd=eee"], "nick!ident@host.com", "PRIVMSG", ["me", "Hello"] },
        { ["+example=raw+:=,escaped; \\"], "irc.example.com", "NOTICE", ["#channel", "Message"] },
        { ["a=b\\and\nk", "d=gh;764"], null, "FOO", ["par1", "par2"] },
        { ["foo=\\\\;\\s \r\n"], null, "COMMAND", [] },
        { ["time=2024-01-02T03:04:05.678Z", "msgid=abc", "label=x y"], "n!u@h", "PRIVMSG", ["#c", "hi"] },
        { ["+draft/react=👍"], "n!u@h", "TAGMSG", ["#c"] },
        { [], null, "CMD", [.. Fourteen, "p15"] },
        { [], null, "CMD", [.. Fourteen, "the last one with spaces"] },
        { [], null, "CMD", [.. Fourteen, ""] },
        { [], null, "CMD", [.. Fourteen, ":starts with colon"] },
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void ParseOfWrite_GivesBackTheMessage(string[] tags, string? source, string command, string[] parameters)
    {
        var message = new IrcMessage(ToTags(tags), source, command, parameters);

        var bytes = IrcWriter.ToBytes(message);
        var ok = IrcParser.TryParse(bytes.AsSpan(0, bytes.Length - 2), out var parsed, out var error, out var validUtf8);

        Assert.True(ok, $"{error}: {Encoding.UTF8.GetString(bytes)}");
        Assert.True(validUtf8);
        MessageAssert.Equal(message, parsed!);
    }

    /// <summary>
    /// The exact line, per the msg-join vectors of ircdocs/parser-tests: ':' before the last
    /// parameter only when it is empty, holds a space or starts with ':'.
    /// </summary>
    public static TheoryData<string[], string?, string, string[], string> ExactLineCases => new()
    {
        { [], null, "foo", ["bar", "baz", "asdf"], "foo bar baz asdf" },
        { [], "src", "AWAY", [], ":src AWAY" },
        { [], "src", "AWAY", [""], ":src AWAY :" },
        { [], "coolguy", "foo", ["bar", "baz", "asdf"], ":coolguy foo bar baz asdf" },
        { [], null, "foo", ["bar", "baz", "asdf quux"], "foo bar baz :asdf quux" },
        { [], null, "foo", ["bar", "baz", ""], "foo bar baz :" },
        { [], null, "foo", ["bar", "baz", ":asdf"], "foo bar baz ::asdf" },
        { [], "coolguy", "foo", ["bar", "baz", "  asdf quux "], ":coolguy foo bar baz :  asdf quux " },
        { [], "coolguy", "PRIVMSG", ["bar", "lol :) "], ":coolguy PRIVMSG bar :lol :) " },
        { [], "coolguy", "foo", ["bar", "baz", "  "], ":coolguy foo bar baz :  " },
        { [], "coolguy", "foo", ["b\tar", "baz"], ":coolguy foo b\tar baz" },
        { [], null, "CMD", ["a:b"], "CMD a:b" },
        { [], null, "CMD", ["a", "b:"], "CMD a b:" },
        { ["asd"], "coolguy", "foo", ["bar", "baz", "  "], "@asd :coolguy foo bar baz :  " },
        { ["a=b\\and\nk", "d=gh;764"], null, "foo", [], "@a=b\\\\and\\nk;d=gh\\:764 foo" },
        { ["a=b\\and\nk", "d=gh;764"], null, "foo", ["par1", "par2"], "@a=b\\\\and\\nk;d=gh\\:764 foo par1 par2" },
        { ["foo=\\\\;\\s \r\n"], null, "COMMAND", [], "@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND" },
        { ["+example=raw+:=,escaped; \\"], "irc.example.com", "NOTICE", ["#channel", "Message"], "@+example=raw+:=,escaped\\:\\s\\\\ :irc.example.com NOTICE #channel Message" },
    };

    [Theory]
    [MemberData(nameof(ExactLineCases))]
    public void ToLine_WritesTheCanonicalForm(string[] tags, string? source, string command, string[] parameters, string expected)
    {
        var message = new IrcMessage(ToTags(tags), source, command, parameters);

        Assert.Equal(expected, IrcWriter.ToLine(message));
        Assert.Equal(expected, message.ToString());
    }

    [Fact]
    public void FormatTags_EmptyValue_IsWrittenAsBareKey()
    {
        // An empty value and a missing one are the same (message-tags spec): write the shorter.
        var message = new IrcMessage([new IrcTag("a", ""), new IrcTag("b", null)], null, "PING", ["x"]);

        Assert.Equal("@a;b PING x", IrcWriter.ToLine(message));
    }

    [Theory]
    [InlineData(false, "PRIVMSG #c word")]
    [InlineData(true, "PRIVMSG #c :word")]
    public void Write_ForceTrailing_AlwaysWritesTheColon(bool force, string expected)
    {
        var buffer = new ArrayBufferWriter<byte>();

        IrcWriter.Write(buffer, tagPrefix: null, source: null, "PRIVMSG", ["#c", "word"], force);

        Assert.Equal(expected + "\r\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Theory]
    [InlineData(null, "PING x\r\n")]
    [InlineData("", "PING x\r\n")]
    [InlineData("a=1;b", "@a=1;b PING x\r\n")]
    public void Write_WithPreformattedTags_WritesThemVerbatim(string? tagPrefix, string expected)
    {
        var buffer = new ArrayBufferWriter<byte>();

        IrcWriter.Write(buffer, tagPrefix, null, "PING", ["x"], forceTrailing: false);

        Assert.Equal(expected, Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void ToBytes_EndsWithCrlfAndHoldsNoOtherLineBreak(string[] tags, string? source, string command, string[] parameters)
    {
        var bytes = IrcWriter.ToBytes(new IrcMessage(ToTags(tags), source, command, parameters));

        Assert.Equal("\r\n"u8.ToArray(), bytes[^2..]);
        AssertSingleLine(bytes);
    }

    [Fact]
    public void ToLine_HasNoLineEnding()
    {
        var line = IrcWriter.ToLine(new IrcMessage("PING", "x"));

        Assert.Equal("PING x", line);
    }

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void Write_AsksForExactlyTheBytesItWrites(string[] tags, string? source, string command, string[] parameters)
    {
        var writer = new RecordingBufferWriter();

        IrcWriter.Write(writer, new IrcMessage(ToTags(tags), source, command, parameters));

        // One GetSpan sized by the precomputed length, one Advance of that same length.
        Assert.Equal(writer.SizeHints, writer.Advances);
        Assert.Single(writer.Advances);
        Assert.Equal(writer.WrittenSpan.Length, writer.Advances[0]);
    }

    [Fact]
    public void Write_SeveralMessages_AppendsThemInOrder()
    {
        var buffer = new ArrayBufferWriter<byte>();

        IrcWriter.Write(buffer, new IrcMessage("PING", "a"));
        IrcWriter.Write(buffer, new IrcMessage("PONG", "b c"));

        Assert.Equal("PING a\r\nPONG :b c\r\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>Control characters placed in every field; none may end the line early.</summary>
    public static TheoryData<string, string> ControlCharacterCases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var bad in new[] { "\r", "\n", "\0", "\r\n", "\n\r", "\r\n\0" })
            {
                foreach (var place in new[] { "middle", "last", "last-no-space", "source", "tag-value", "tag-key" })
                {
                    data.Add(place, bad);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ControlCharacterCases))]
    public void Write_CrLfOrNulInAnyField_NeverProducesASecondLine(string field, string bad)
    {
        var injected = $"x{bad}:evil!e@e PRIVMSG #c :spoofed";
        var plain = $"x{bad}y";
        var message = field switch
        {
            "middle" => new IrcMessage(null, "n!u@h", "PRIVMSG", [injected, "text"]),
            "last" => new IrcMessage(null, "n!u@h", "PRIVMSG", ["#c", injected]),
            "last-no-space" => new IrcMessage(null, "n!u@h", "PRIVMSG", ["#c", plain]),
            "source" => new IrcMessage(null, injected, "PRIVMSG", ["#c", "text"]),
            "tag-value" => new IrcMessage([new IrcTag("+v", injected)], "n!u@h", "PRIVMSG", ["#c", "text"]),
            "tag-key" => new IrcMessage([new IrcTag("+" + injected, "1"), new IrcTag("ok", "1")], "n!u@h", "PRIVMSG", ["#c", "text"]),
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var bytes = IrcWriter.ToBytes(message);

        AssertSingleLine(bytes);
        Assert.DoesNotContain((byte)0, bytes);
    }

    [Theory]
    [InlineData("x\ry")]
    [InlineData("x\ny")]
    [InlineData("x\0y")]
    [InlineData("x\r\n:evil!e@e PRIVMSG #c :spoofed")]
    public void Write_CrLfOrNulInLastParameter_KeepsItOneParameter(string text)
    {
        var message = new IrcMessage(null, "n!u@h", "PRIVMSG", ["#c", text]);

        var parsed = Reparse(message);

        Assert.Equal("n!u@h", parsed.Source);
        Assert.Equal("PRIVMSG", parsed.Command);
        Assert.Equal(2, parsed.Parameters.Count);
        Assert.Equal("#c", parsed.Parameters[0]);
    }

    [Theory]
    [InlineData("x\0:evil!e@e\0PRIVMSG\0#c\0:spoofed")]
    [InlineData("x\r\n:evil!e@e PRIVMSG #c :spoofed")]
    public void Write_ControlCharactersInTagValue_StayInsideTheTag(string value)
    {
        var message = new IrcMessage([new IrcTag("+v", value)], "n!u@h", "PRIVMSG", ["#c", "text"]);

        var parsed = Reparse(message);

        Assert.Equal("n!u@h", parsed.Source);
        Assert.Equal("PRIVMSG", parsed.Command);
        Assert.Equal(["#c", "text"], parsed.Parameters);
        Assert.Equal(["+v"], parsed.Tags.Select(t => t.Key));
        Assert.Equal(value.Replace("\0", "", StringComparison.Ordinal), parsed.GetTag("+v"));
    }

    [Theory]
    [InlineData("+x\r:evil!e@e\rPRIVMSG\r#c\r:spoofed")]
    [InlineData("+x\0:evil!e@e")]
    [InlineData("+x :evil!e@e PRIVMSG #c :spoofed")]
    [InlineData("a;b")]
    [InlineData("a=b")]
    [InlineData("")]
    public void Write_TagKeyThatCannotBeWritten_IsLeftOut(string key)
    {
        var message = new IrcMessage([new IrcTag(key, null), new IrcTag("ok", "1")], "n!u@h", "PRIVMSG", ["#c", "text"]);

        var parsed = Reparse(message);

        Assert.Equal("n!u@h", parsed.Source);
        Assert.Equal("PRIVMSG", parsed.Command);
        Assert.Equal(["#c", "text"], parsed.Parameters);
        Assert.Equal(["ok=1"], MessageAssert.TagStrings(parsed.Tags));
    }

    [Fact]
    public void FormatTags_NoTagsOrOnlyUnwritableKeys_IsNull()
    {
        Assert.Null(IrcWriter.FormatTags(null));
        Assert.Null(IrcWriter.FormatTags([]));
        Assert.Null(IrcWriter.FormatTags([new IrcTag("a b", "1")]));
        Assert.Equal("PING x", IrcWriter.ToLine(new IrcMessage([new IrcTag("a b", "1")], null, "PING", ["x"])));
    }

    private static IrcMessage Reparse(IrcMessage message)
    {
        var bytes = IrcWriter.ToBytes(message);
        AssertSingleLine(bytes);
        var ok = IrcParser.TryParse(bytes.AsSpan(0, bytes.Length - 2), out var parsed, out var error);
        Assert.True(ok, $"{error}: {Encoding.UTF8.GetString(bytes)}");
        return parsed!;
    }

    private static void AssertSingleLine(byte[] bytes)
    {
        Assert.Equal(bytes.Length - 1, Array.IndexOf(bytes, (byte)'\n'));
        Assert.Equal(bytes.Length - 2, Array.IndexOf(bytes, (byte)'\r'));
    }

    private static IrcTag[] ToTags(string[] tags)
        => [.. tags.Select(t => t.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0 ? new IrcTag(t[..eq], t[(eq + 1)..]) : new IrcTag(t, null))];
}

public sealed class LineFitTests
{
    [Theory]
    [InlineData(600, 1)]
    [InlineData(400, 2)]
    [InlineData(10, 3)]
    public void Written_LinesNeverExceed512Bytes_TheLongestParameterGivesWay(int length, int count)
    {
        var text = string.Concat(Enumerable.Repeat("é", length));
        var parameters = new List<string> { "nick" };
        parameters.AddRange(Enumerable.Repeat(text, count));

        var line = System.Text.Encoding.UTF8.GetString(IrcWriter.ToBytes(new IrcMessage(null, "irc.example.org", "432", parameters)));

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(line) <= 512);
        Assert.EndsWith("\r\n", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', line);
        var parsed = IrcParser.Parse(line.TrimEnd('\r', '\n'));
        Assert.Equal("nick", parsed.Parameters[0]);
        Assert.Equal(count + 1, parsed.Parameters.Count);
        if (length == 10)
        {
            Assert.Equal(parameters, parsed.Parameters);
        }
    }

    [Fact]
    public void ASingleParameter_IsShortenedToo()
    {
        var line = IrcWriter.ToLine(new IrcMessage(null, "irc.example.org", "ERROR", [new string('x', 900)]));
        Assert.InRange(line.Length, 505, 512);
    }
}
