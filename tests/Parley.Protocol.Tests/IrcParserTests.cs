using System.Text;
using Parley.Protocol.Tests.Support;

namespace Parley.Protocol.Tests;

public sealed class IrcParserTests
{
    /// <summary>
    /// line, tags ("key=value" or "key" when valueless), source, verb, parameters.
    /// Cases follow the ircdocs parser-tests msg-split vectors, the Modern IRC examples
    /// (https://modern.ircdocs.horse/#message-format) and the message-tags examples
    /// (https://ircv3.net/specs/extensions/message-tags#examples), written out by hand.
    /// Verbs are expected upper-cased: the parser folds them so dispatch needs no folding.
    /// </summary>
    public static TheoryData<string, string[], string?, string, string[]> SplitCases => new()
    {
        // Simple, with source, with trailing.
        { "foo bar baz asdf", [], null, "FOO", ["bar", "baz", "asdf"] },
        { ":coolguy foo bar baz asdf", [], "coolguy", "FOO", ["bar", "baz", "asdf"] },
        { "foo bar baz :asdf quux", [], null, "FOO", ["bar", "baz", "asdf quux"] },
        { "foo bar baz :", [], null, "FOO", ["bar", "baz", ""] },
        { "foo bar baz ::asdf", [], null, "FOO", ["bar", "baz", ":asdf"] },
        { ":coolguy foo bar baz :asdf quux", [], "coolguy", "FOO", ["bar", "baz", "asdf quux"] },
        { ":coolguy foo bar baz :  asdf quux ", [], "coolguy", "FOO", ["bar", "baz", "  asdf quux "] },
        { ":coolguy PRIVMSG bar :lol :) ", [], "coolguy", "PRIVMSG", ["bar", "lol :) "] },
        { ":coolguy foo bar baz :", [], "coolguy", "FOO", ["bar", "baz", ""] },
        { ":coolguy foo bar baz :  ", [], "coolguy", "FOO", ["bar", "baz", "  "] },

        // Tags, escaped tags, tags with source.
        { "@a=b;c=32;k;rt=ql7 foo", ["a=b", "c=32", "k", "rt=ql7"], null, "FOO", [] },
        { "@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 foo", ["a=b\\and\nk", "c=72 45", "d=gh;764"], null, "FOO", [] },
        { "@c;h=;a=b :quux ab cd", ["c", "h", "a=b"], "quux", "AB", ["cd"] },

        // The last parameter with and without ':'; no parameter; a space after the verb.
        { ":src JOIN #chan", [], "src", "JOIN", ["#chan"] },
        { ":src JOIN :#chan", [], "src", "JOIN", ["#chan"] },
        { ":src AWAY", [], "src", "AWAY", [] },
        { ":src AWAY ", [], "src", "AWAY", [] },

        // Tab and control codes are not separators.
        { ":cool\tguy foo bar baz", [], "cool\tguy", "FOO", ["bar", "baz"] },
        { ":coolguy!ag@net\u00035w\u0003ork.admin PRIVMSG foo :bar baz", [], "coolguy!ag@net\u00035w\u0003ork.admin", "PRIVMSG", ["foo", "bar baz"] },
        { ":coolguy!~ag@n\u0002et\u000305w\u000fork.admin PRIVMSG foo :bar baz", [], "coolguy!~ag@n\u0002et\u000305w\u000fork.admin", "PRIVMSG", ["foo", "bar baz"] },

        // Vendor tags, empty and missing values.
        {
            "@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4= :irc.example.com COMMAND param1 param2 :param3 param3",
            ["tag1=value1", "tag2", "vendor1/tag3=value2", "vendor2/tag4"], "irc.example.com", "COMMAND", ["param1", "param2", "param3 param3"]
        },
        { ":irc.example.com COMMAND param1 param2 :param3 param3", [], "irc.example.com", "COMMAND", ["param1", "param2", "param3 param3"] },
        {
            "@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4 COMMAND param1 param2 :param3 param3",
            ["tag1=value1", "tag2", "vendor1/tag3=value2", "vendor2/tag4"], null, "COMMAND", ["param1", "param2", "param3 param3"]
        },
        { "COMMAND", [], null, "COMMAND", [] },
        { "@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND", ["foo=\\\\;\\s \r\n"], null, "COMMAND", [] },

        // Double spaces and trailing spaces from broken servers.
        { ":gravel.mozilla.org 432  #momo :Erroneous Nickname: Illegal characters", [], "gravel.mozilla.org", "432", ["#momo", "Erroneous Nickname: Illegal characters"] },
        { ":gravel.mozilla.org MODE #tckk +n ", [], "gravel.mozilla.org", "MODE", ["#tckk", "+n"] },
        { ":services.esper.net MODE #foo-bar +o foobar  ", [], "services.esper.net", "MODE", ["#foo-bar", "+o", "foobar"] },

        // Tag values are unescaped one character at a time; bad and trailing backslashes are dropped.
        { "@tag1=value\\\\ntest COMMAND", ["tag1=value\\ntest"], null, "COMMAND", [] },
        { "@tag1=value\\1 COMMAND", ["tag1=value1"], null, "COMMAND", [] },
        { "@tag1=value1\\ COMMAND", ["tag1=value1"], null, "COMMAND", [] },

        // Duplicate keys: the last wins; a vendor key is a different key.
        { "@tag1=1;tag2=3;tag3=4;tag1=5 COMMAND", ["tag1=5", "tag2=3", "tag3=4"], null, "COMMAND", [] },
        { "@tag1=1;tag2=3;tag3=4;tag1=5;vendor/tag2=8 COMMAND", ["tag1=5", "tag2=3", "tag3=4", "vendor/tag2=8"], null, "COMMAND", [] },

        // MODE is not special.
        { ":SomeOp MODE #channel :+i", [], "SomeOp", "MODE", ["#channel", "+i"] },
        { ":SomeOp MODE #channel +oo SomeUser :AnotherUser", [], "SomeOp", "MODE", ["#channel", "+oo", "SomeUser", "AnotherUser"] },

        // Modern IRC examples.
        { ":irc.example.com CAP LS * :multi-prefix extended-join sasl", [], "irc.example.com", "CAP", ["LS", "*", "multi-prefix extended-join sasl"] },
        { "@id=234AB :dan!d@localhost PRIVMSG #chan :Hey what's up!", ["id=234AB"], "dan!d@localhost", "PRIVMSG", ["#chan", "Hey what's up!"] },
        { "CAP REQ :sasl", [], null, "CAP", ["REQ", "sasl"] },
        { "@id=123AB;rose PING x", ["id=123AB", "rose"], null, "PING", ["x"] },
        { "@url=;netsplit=tur,ty PING x", ["url", "netsplit=tur,ty"], null, "PING", ["x"] },
        { ":irc.example.com CAP * LIST :", [], "irc.example.com", "CAP", ["*", "LIST", ""] },
        { "CAP * LS :multi-prefix sasl", [], null, "CAP", ["*", "LS", "multi-prefix sasl"] },
        { "CAP REQ :sasl message-tags foo", [], null, "CAP", ["REQ", "sasl message-tags foo"] },
        { ":dan!d@localhost PRIVMSG #chan :Hey!", [], "dan!d@localhost", "PRIVMSG", ["#chan", "Hey!"] },
        { ":dan!d@localhost PRIVMSG #chan Hey!", [], "dan!d@localhost", "PRIVMSG", ["#chan", "Hey!"] },
        { ":dan!d@localhost PRIVMSG #chan ::-)", [], "dan!d@localhost", "PRIVMSG", ["#chan", ":-)"] },

        // Message-tags spec examples.
        { "@aaa=bbb;ccc;example.com/ddd=eee :nick!ident@host.com PRIVMSG me :Hello", ["aaa=bbb", "ccc", "example.com/ddd=eee"], "nick!ident@host.com", "PRIVMSG", ["me", "Hello"] },
        { "@example-tag=example-value PRIVMSG #channel :Message", ["example-tag=example-value"], null, "PRIVMSG", ["#channel", "Message"] },
        {
            "@+icon=https://example.com/favicon.png :url_bot!bot@example.com PRIVMSG #channel :Example.com: A News Story",
            ["+icon=https://example.com/favicon.png"], "url_bot!bot@example.com", "PRIVMSG", ["#channel", "Example.com: A News Story"]
        },
        { "@+example.com/foo=bar :irc.example.com NOTICE #channel :A vendor-prefixed client-only tagged message", ["+example.com/foo=bar"], "irc.example.com", "NOTICE", ["#channel", "A vendor-prefixed client-only tagged message"] },
        { "@+example=raw+:=,escaped\\:\\s\\\\ :irc.example.com NOTICE #channel :Message", ["+example=raw+:=,escaped; \\"], "irc.example.com", "NOTICE", ["#channel", "Message"] },
        { "@label=123;+example-client-tag=example-value TAGMSG #channel", ["label=123", "+example-client-tag=example-value"], null, "TAGMSG", ["#channel"] },
        { "@+example-client-tag=example-value TAGMSG @#channel", ["+example-client-tag=example-value"], null, "TAGMSG", ["@#channel"] },

        // Spaces: leading, between every part, inside middle parameters.
        { "   PING x", [], null, "PING", ["x"] },
        { "  @a=1 PING", ["a=1"], null, "PING", [] },
        { "@a=1    :src    PING    x", ["a=1"], "src", "PING", ["x"] },
        { "CMD   a    b  c", [], null, "CMD", ["a", "b", "c"] },
        { "CMD a    :  b  ", [], null, "CMD", ["a", "  b  "] },

        // Colons inside parameters.
        { "CMD a b:c", [], null, "CMD", ["a", "b:c"] },
        { "CMD a :b:c", [], null, "CMD", ["a", "b:c"] },
        { "CMD a ::", [], null, "CMD", ["a", ":"] },
        { "CMD :", [], null, "CMD", [""] },
        { "CMD ::", [], null, "CMD", [":"] },

        // Multi-byte UTF-8 everywhere.
        { "@+draft/react=👍 :nïck!ü@hôst PRIVMSG #café :héllo wörld", ["+draft/react=👍"], "nïck!ü@hôst", "PRIVMSG", ["#café", "héllo wörld"] },
    };

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void TryParse_SplitsLineIntoTagsSourceVerbAndParameters(string line, string[] tags, string? source, string verb, string[] parameters)
    {
        var message = ParseValid(line);

        Assert.Equal(MessageAssert.SortedOrdinal(tags), MessageAssert.TagStrings(message.Tags));
        Assert.Equal(source, message.Source);
        Assert.Equal(verb, message.Command);
        Assert.Equal(parameters, message.Parameters);
    }

    /// <summary>tags section (without '@'), key, expected unescaped value (null: no value).</summary>
    [Theory]
    [InlineData("a=b\\sc", "a", "b c")]
    [InlineData("a=\\:", "a", ";")]
    [InlineData("a=\\\\", "a", "\\")]
    [InlineData("a=\\r\\n", "a", "\r\n")]
    [InlineData("a=\\s\\s", "a", "  ")]
    [InlineData("a=\\\\s", "a", "\\s")]
    [InlineData("a=x\\b", "a", "xb")]
    [InlineData("a=\\0", "a", "0")]
    [InlineData("a=\\;b=2", "a", null)]
    [InlineData("a=x\\", "a", "x")]
    [InlineData("a=\\\\\\", "a", "\\")]
    [InlineData("a=\\", "a", null)]
    [InlineData("a", "a", null)]
    [InlineData("a=", "a", null)]
    [InlineData("a=b=c", "a", "b=c")]
    [InlineData("a=:b", "a", ":b")]
    [InlineData("a=héllo", "a", "héllo")]
    [InlineData("a=1;a=2", "a", "2")]
    [InlineData("a=1;a", "a", null)]
    [InlineData("a;a=2", "a", "2")]
    [InlineData(";;a=1;", "a", "1")]
    [InlineData("+draft/reply=abc", "+draft/reply", "abc")]
    [InlineData("example.com/x-y=1", "example.com/x-y", "1")]
    public void TryParse_TagValue_IsUnescaped(string tagSection, string key, string? expected)
    {
        var message = ParseValid($"@{tagSection} PING x");

        Assert.True(message.HasTag(key));
        Assert.Equal(expected, message.GetTag(key));
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("a=", true)]
    [InlineData("a=v", true)]
    [InlineData("b=v", false)]
    public void HasTag_TellsValuelessFromAbsent(string tagSection, bool hasA)
    {
        var message = ParseValid($"@{tagSection} PING");

        Assert.Equal(hasA, message.HasTag("a"));
    }

    [Fact]
    public void TryParse_DuplicateTagKeys_KeepsOnlyTheLast()
    {
        var message = ParseValid("@a=1;b=2;a=3;a=4 CMD");

        Assert.Equal(2, message.Tags.Count);
        Assert.Single(message.Tags, t => t.Key == "a");
        Assert.Equal("4", message.GetTag("a"));
        Assert.Equal("2", message.GetTag("b"));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(9)]
    [InlineData(50)]
    [InlineData(300)]
    public void TryParse_ManyTagsWithRepeats_KeepsEachKeyOnceWithItsLastValue(int distinct)
    {
        // Every key twice, the second time with another value, then the first few once more.
        var first = Enumerable.Range(0, distinct).Select(i => $"k{i}=a{i}");
        var second = Enumerable.Range(0, distinct).Select(i => $"k{i}=b{i}");
        var third = Enumerable.Range(0, Math.Min(distinct, 5)).Select(i => $"k{i}");
        var line = "@" + string.Join(';', first.Concat(second).Concat(third)) + " PING";

        var message = ParseValid(line);

        Assert.Equal(distinct, message.Tags.Count);
        Assert.Equal(distinct, message.Tags.Select(t => t.Key).Distinct().Count());
        for (var i = 0; i < distinct; i++)
        {
            Assert.Equal(i < 5 ? null : $"b{i}", message.GetTag($"k{i}"));
            Assert.True(message.HasTag($"k{i}"));
        }
    }

    [Theory]
    [InlineData("=x;a=1", new[] { "a=1" })]
    [InlineData(";", new string[0])]
    [InlineData("=", new string[0])]
    public void TryParse_TagWithoutKey_IsSkipped(string tagSection, string[] expected)
    {
        var message = ParseValid($"@{tagSection} PING");

        Assert.Equal(expected, MessageAssert.TagStrings(message.Tags));
    }

    [Fact]
    public void TryParse_ClientOnlyTags_AreMarkedClientOnly()
    {
        var message = ParseValid("@label=123;+example-client-tag=example-value;+example.com/foo TAGMSG #channel");

        Assert.Equal(
            ["+example-client-tag", "+example.com/foo"],
            message.Tags.Where(t => t.IsClientOnly).Select(t => t.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["label"], message.Tags.Where(t => !t.IsClientOnly).Select(t => t.Key));
    }

    [Theory]
    [InlineData("privmsg #c :hi", "PRIVMSG")]
    [InlineData("PrivMsg #c :hi", "PRIVMSG")]
    [InlineData("PRIVMSG #c :hi", "PRIVMSG")]
    [InlineData("tagmsg #c", "TAGMSG")]
    [InlineData("someverb x", "SOMEVERB")]
    [InlineData("001 nick :Welcome", "001")]
    [InlineData(":irc.example.com 433 * nick :Nickname is already in use", "433")]
    public void TryParse_Verb_IsUpperCased(string line, string expected)
    {
        Assert.Equal(expected, ParseValid(line).Command);
    }

    [Fact]
    public void TryParse_KnownVerb_IsInterned()
    {
        // The parser hands out the one known instance, so a common verb costs no string.
        Assert.Same("PRIVMSG", ParseValid("privmsg #c :hi").Command);
        Assert.Same("JOIN", ParseValid("JOIN #c").Command);
    }

    /// <summary>Odd verbs parse, so the server can answer them with 421 ERR_UNKNOWNCOMMAND.</summary>
    [Theory]
    [InlineData("PRIV!MSG #c :hi", "PRIV!MSG")]
    [InlineData("priv_msg #c", "PRIV_MSG")]
    [InlineData("PR1VMSG #c", "PR1VMSG")]
    [InlineData("12 x", "12")]
    [InlineData("1234 x", "1234")]
    [InlineData("héllo x", "HéLLO")]
    public void TryParse_OddVerb_ParsesForTheDispatcherToRefuse(string line, string verb)
    {
        Assert.Equal(verb, ParseValid(line).Command);
    }

    [Theory]
    [InlineData("PING\tx")]
    [InlineData(":src :x")]
    // Found by ParserFuzzTests: an empty tag section, then a verb that would be written back as tags.
    [InlineData("@ @x 1234 :")]
    [InlineData(":src @x")]
    public void TryParse_VerbWithControlCharacterOrColonOrAt_IsMalformed(string line)
    {
        AssertError(line, ParseError.Malformed);
    }

    public static TheoryData<string, string[]> FifteenParameterCases
    {
        get
        {
            var first13 = string.Join(' ', Enumerable.Range(1, 13));
            string[] expected13 = [.. Enumerable.Range(1, 13).Select(i => i.ToString())];
            return new()
            {
                // Exactly 15: the 15th is a plain middle.
                { $"CMD {first13} 14 15", [.. expected13, "14", "15"] },
                // After 14 middles, the rest of the line is the 15th, even without ':' (RFC 2812 §2.3.1).
                { $"CMD {first13} 14 15 16 17", [.. expected13, "14", "15 16 17"] },
                { $"CMD {first13} 14 15 :16", [.. expected13, "14", "15 :16"] },
                { $"CMD {first13} 14 :15 16", [.. expected13, "14", "15 16"] },
                { $"CMD {first13} 14    15 16", [.. expected13, "14", "15 16"] },
                { $"CMD {first13} 14 15  16 ", [.. expected13, "14", "15  16 "] },
                // A trailing before the 15th still ends the parameters.
                { $"CMD {first13} :14 15 16", [.. expected13, "14 15 16"] },
                { $"CMD {first13}", expected13 },
            };
        }
    }

    [Theory]
    [MemberData(nameof(FifteenParameterCases))]
    public void TryParse_AtMostFifteenParameters_TheFifteenthTakesTheRest(string line, string[] expected)
    {
        var message = ParseValid(line);

        Assert.Equal(expected, message.Parameters);
        Assert.True(message.Parameters.Count <= IrcLimits.MaxParameters);
    }

    [Theory]
    [InlineData("", ParseError.Empty)]
    [InlineData(" ", ParseError.Empty)]
    [InlineData("     ", ParseError.Empty)]
    [InlineData("@a=b", ParseError.Malformed)]
    [InlineData("@a=b ", ParseError.Malformed)]
    [InlineData("@a=b    ", ParseError.Malformed)]
    [InlineData("@", ParseError.Malformed)]
    [InlineData(":src", ParseError.Malformed)]
    [InlineData(":src ", ParseError.Malformed)]
    [InlineData(":src    ", ParseError.Malformed)]
    [InlineData("@a=b :src", ParseError.Malformed)]
    [InlineData("@a=b :src   ", ParseError.Malformed)]
    [InlineData(":", ParseError.Malformed)]
    public void TryParse_LineWithoutVerb_Fails(string line, ParseError expected)
    {
        AssertError(line, expected);
    }

    /// <summary>
    /// NUL, CR and LF cannot appear in a message (Modern IRC grammar); a line holding one is a
    /// smuggling attempt or garbage, never something to relay.
    /// </summary>
    [Theory]
    [InlineData("PRIVMSG #c :a\0b")]
    [InlineData("PRIVMSG #c :a\rb")]
    [InlineData("PRIVMSG #c :hi\r:evil!e@e PRIVMSG #c :spoofed")]
    [InlineData("PRIVMSG #c :a\nb")]
    [InlineData("PRIVMSG #c\r")]
    [InlineData("@+a=\0 PING")]
    [InlineData("@+a\r:evil!e@e PING")]
    [InlineData(":sr\0c PING")]
    [InlineData("PING a\0")]
    public void TryParse_LineWithNulCrOrLf_IsMalformed(string line)
    {
        AssertError(line, ParseError.Malformed);
    }

    [Fact]
    public void TryParse_BodyOf510Bytes_IsAccepted()
    {
        var line = "PRIVMSG #c :" + new string('a', IrcLimits.MaxLineBodyBytes - 12);
        Assert.Equal(510, Encoding.UTF8.GetByteCount(line));

        var message = ParseValid(line);

        Assert.Equal(510 - 12, message.Parameters[1].Length);
    }

    [Theory]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(4000)]
    public void TryParse_BodyOverLimit_IsLineTooLong(int bytes)
    {
        var line = "PRIVMSG #c :" + new string('a', bytes - 12);

        AssertError(line, ParseError.LineTooLong);
    }

    [Fact]
    public void TryParse_BodyLimit_CountsBytesNotCharacters()
    {
        // 'é' is two bytes: 12 + 2 × 249 = 510 bytes in 261 characters.
        var fits = "PRIVMSG #c :" + new string('é', 249);
        var over = fits + "é";

        Assert.Equal("PRIVMSG", ParseValid(fits).Command);
        AssertError(over, ParseError.LineTooLong);
    }

    [Fact]
    public void TryParse_BodyLimit_DoesNotCountTagsOrTrailingSpaces()
    {
        var body = "PRIVMSG #c :" + new string('a', 510 - 12);
        var line = "@+x=" + new string('v', 4000) + " " + body + "    ";

        var message = ParseValid(line);

        Assert.Equal(4000, message.GetTag("+x")!.Length);
    }

    [Fact]
    public void TryParse_TagsSectionOf8191Bytes_IsAccepted()
    {
        // '@' + "a=" + value + ' ' = 8191 bytes, the limit including '@' and the space.
        var line = "@a=" + new string('x', IrcLimits.MaxTagsBytes - 4) + " PING";

        var message = ParseValid(line);

        Assert.Equal(IrcLimits.MaxTagsBytes - 4, message.GetTag("a")!.Length);
    }

    [Theory]
    [InlineData(8192)]
    [InlineData(9000)]
    public void TryParse_TagsSectionOverLimit_IsTagsTooLong(int sectionBytes)
    {
        var line = "@a=" + new string('x', sectionBytes - 4) + " PING";

        AssertError(line, ParseError.TagsTooLong);
    }

    [Fact]
    public void TryParse_TagsAndBodyBothTooLong_ReportsTags()
    {
        var line = "@a=" + new string('x', 9000) + " PRIVMSG #c :" + new string('y', 600);

        AssertError(line, ParseError.TagsTooLong);
    }

    public static TheoryData<byte[], string, string> InvalidUtf8Cases => new()
    {
        { [.. "PRIVMSG #c :"u8, 0xFF, 0xFE, .. "ok"u8], "PRIVMSG", "\uFFFD\uFFFDok" },
        { [.. "PRIVMSG #c :caf"u8, 0xC3], "PRIVMSG", "caf\uFFFD" },
        { [.. "PRIVMSG #c :"u8, 0xE2, 0x82, .. " x"u8], "PRIVMSG", "\uFFFD x" },
        { [.. "PRIVMSG #c :"u8, 0xC0, 0xAF], "PRIVMSG", "\uFFFD\uFFFD" },
        { [.. "@a="u8, 0xC3, .. " PRIVMSG #c :fine"u8], "PRIVMSG", "fine" },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8Cases))]
    public void TryParse_InvalidUtf8_IsReportedButStillParsed(byte[] line, string verb, string lastParameter)
    {
        Assert.True(IrcParser.TryParse(line, out var message, out var error, out var validUtf8));

        Assert.False(validUtf8);
        Assert.Equal(ParseError.None, error);
        Assert.Equal(verb, message.Command);
        Assert.Equal("#c", message.Parameters[0]);
        Assert.Equal(lastParameter, message.Parameters[^1]);
    }

    [Theory]
    [InlineData("PRIVMSG #c :plain")]
    [InlineData("@+draft/react=🎉 PRIVMSG #café :héllo")]
    public void TryParse_ValidUtf8_IsReportedValid(string line)
    {
        Assert.True(IrcParser.TryParse(Encoding.UTF8.GetBytes(line), out _, out _, out var validUtf8));
        Assert.True(validUtf8);
    }

    [Fact]
    public void TryParse_Failure_ReturnsNoMessage()
    {
        Assert.False(IrcParser.TryParse("@a=b"u8, out var message, out var error));
        Assert.Null(message);
        Assert.Equal(ParseError.Malformed, error);
    }

    [Theory]
    [InlineData("PING x\r\n")]
    [InlineData("PING x\n")]
    [InlineData("PING x")]
    public void Parse_StripsLineEnding(string line)
    {
        var message = IrcParser.Parse(line);

        Assert.Equal("PING", message.Command);
        Assert.Equal(["x"], message.Parameters);
    }

    [Theory]
    [InlineData("")]
    [InlineData("@a=b")]
    [InlineData(":src")]
    public void Parse_InvalidLine_ThrowsFormatException(string line)
    {
        Assert.Throws<FormatException>(() => IrcParser.Parse(line));
    }

    [Fact]
    public void Param_BeyondTheLast_IsNull()
    {
        var message = ParseValid("CMD a :b c");

        Assert.Equal("a", message.Param(0));
        Assert.Equal("b c", message.Param(1));
        Assert.Null(message.Param(2));
    }

    private static IrcMessage ParseValid(string line)
    {
        var ok = IrcParser.TryParse(Encoding.UTF8.GetBytes(line), out var message, out var error, out var validUtf8);
        Assert.True(ok, $"expected a message, got {error}");
        Assert.Equal(ParseError.None, error);
        Assert.True(validUtf8);
        return message!;
    }

    private static void AssertError(string line, ParseError expected)
    {
        var ok = IrcParser.TryParse(Encoding.UTF8.GetBytes(line), out var message, out var error);
        Assert.False(ok, $"expected {expected}, got a message: {message}");
        Assert.Null(message);
        Assert.Equal(expected, error);
    }
}
