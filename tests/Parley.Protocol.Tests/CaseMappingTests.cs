namespace Parley.Protocol.Tests;

public sealed class CaseMappingTests
{
    [Theory]
    [InlineData("ascii", "NICK", "nick")]
    [InlineData("ascii", "Nick[Away]", "nick[away]")]
    [InlineData("ascii", "A\\B~C", "a\\b~c")]
    [InlineData("ascii", "{}|^", "{}|^")]
    [InlineData("ascii", "#Chan-Name_1", "#chan-name_1")]
    [InlineData("ascii", "ÉCOLE", "École")]
    [InlineData("ascii", "@[", "@[")]
    [InlineData("rfc1459", "NICK", "nick")]
    [InlineData("rfc1459", "Nick[Away]", "nick{away}")]
    [InlineData("rfc1459", "A\\B~C", "a|b^c")]
    [InlineData("rfc1459", "[]\\~", "{}|^")]
    [InlineData("rfc1459", "{}|^", "{}|^")]
    [InlineData("rfc1459", "ÉCOLE", "École")]
    [InlineData("rfc1459", "@`_", "@`_")]
    [InlineData("ascii", "", "")]
    public void Fold_FoldsPerMapping(string mapping, string input, string expected)
    {
        Assert.Equal(expected, Mapping(mapping).Fold(input));
    }

    [Theory]
    [InlineData("ascii", "nick")]
    [InlineData("ascii", "nick[away]")]
    [InlineData("rfc1459", "nick{away}")]
    [InlineData("rfc1459", "")]
    public void Fold_AlreadyFolded_ReturnsTheSameInstance(string mapping, string input)
    {
        Assert.Same(input, Mapping(mapping).Fold(input));
    }

    /// <summary>mapping, a, b, equal under the mapping.</summary>
    public static TheoryData<string, string, string, bool> EqualityCases => new()
    {
        { "ascii", "Dan", "dan", true },
        { "ascii", "DAN", "dAn", true },
        { "ascii", "dan", "dam", false },
        { "ascii", "dan", "dan_", false },
        { "ascii", "Nick[]", "nick{}", false },
        { "ascii", "a\\b", "a|b", false },
        { "ascii", "x~", "X^", false },
        { "ascii", "É", "é", false },
        { "ascii", "#Chan", "#chan", true },
        { "rfc1459", "Nick[]", "nick{}", true },
        { "rfc1459", "NICK{}", "nick[]", true },
        { "rfc1459", "a\\b", "A|B", true },
        { "rfc1459", "x~", "X^", true },
        { "rfc1459", "a\\b", "a/b", false },
        { "rfc1459", "É", "é", false },
        { "rfc1459", "[", "]", false },
        { "rfc1459", "", "", true },
        { "rfc1459", "a", "", false },
    };

    [Theory]
    [MemberData(nameof(EqualityCases))]
    public void Equals_ComparesFoldedNames(string mapping, string a, string b, bool expected)
    {
        var m = Mapping(mapping);

        Assert.Equal(expected, m.Equals(a, b));
        Assert.Equal(expected, m.Equals(b, a));
        Assert.Equal(expected, m.Fold(a) == m.Fold(b));
    }

    [Theory]
    [MemberData(nameof(EqualityCases))]
    public void Comparer_AgreesWithEqualsAndHashesEqualNamesAlike(string mapping, string a, string b, bool expected)
    {
        var comparer = Mapping(mapping).Comparer;

        Assert.Equal(expected, comparer.Equals(a, b));
        if (expected)
        {
            Assert.Equal(comparer.GetHashCode(a), comparer.GetHashCode(b));
        }
    }

    [Theory]
    [InlineData("ascii")]
    [InlineData("rfc1459")]
    public void Comparer_EveryPairOfLatin1Characters_IsConsistentWithFold(string mapping)
    {
        var m = Mapping(mapping);
        var comparer = m.Comparer;
        for (var c1 = 0; c1 < 256; c1++)
        {
            var s1 = ((char)c1).ToString();
            // Folding is idempotent, and only upper-case forms change.
            Assert.Equal(m.Fold((char)c1), m.Fold(m.Fold((char)c1)));
            for (var c2 = 0; c2 < 256; c2++)
            {
                var s2 = ((char)c2).ToString();
                var equal = m.Fold((char)c1) == m.Fold((char)c2);
                if (comparer.Equals(s1, s2) != equal || (equal && comparer.GetHashCode(s1) != comparer.GetHashCode(s2)))
                {
                    Assert.Fail($"{mapping}: U+{c1:X4} vs U+{c2:X4}");
                }
            }
        }
    }

    [Theory]
    [InlineData("ascii", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")]
    [InlineData("rfc1459", "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\~")]
    public void Fold_ChangesExactlyTheUpperCaseForms(string mapping, string upper)
    {
        var m = Mapping(mapping);
        for (var c = 0; c < 0x3000; c++)
        {
            Assert.Equal(upper.Contains((char)c, StringComparison.Ordinal), m.Fold((char)c) != (char)c);
        }
    }

    [Fact]
    public void Comparer_Nulls_AreEqualOnlyToEachOther()
    {
        var comparer = CaseMapping.Rfc1459.Comparer;

        Assert.True(comparer.Equals(null, null));
        Assert.False(comparer.Equals(null, "a"));
        Assert.False(comparer.Equals("a", null));
    }

    [Fact]
    public void Comparer_KeysADictionaryByFoldedName()
    {
        var rfc = new Dictionary<string, int>(CaseMapping.Rfc1459.Comparer) { ["Nick[Away]"] = 1 };
        var ascii = new Dictionary<string, int>(CaseMapping.Ascii.Comparer) { ["Nick[Away]"] = 1 };

        Assert.True(rfc.ContainsKey("NICK{AWAY}"));
        Assert.True(rfc.ContainsKey("nick[away]"));
        Assert.False(ascii.ContainsKey("NICK{AWAY}"));
        Assert.True(ascii.ContainsKey("NICK[AWAY]"));
    }

    [Fact]
    public void Comparer_IsOneInstancePerMapping()
    {
        Assert.Same(CaseMapping.Ascii.Comparer, CaseMapping.Ascii.Comparer);
        Assert.NotSame(CaseMapping.Ascii.Comparer, CaseMapping.Rfc1459.Comparer);
    }

    [Theory]
    [InlineData("ascii", "ascii")]
    [InlineData("ASCII", "ascii")]
    [InlineData("rfc1459", "rfc1459")]
    [InlineData("RFC1459", "rfc1459")]
    public void TryGet_KnownName_ReturnsTheMapping(string name, string expectedName)
    {
        Assert.True(CaseMapping.TryGet(name, out var mapping));
        Assert.Equal(expectedName, mapping.Name);
        Assert.Same(Mapping(expectedName), mapping);
    }

    [Theory]
    [InlineData("strict-rfc1459")]
    [InlineData("rfc7613")]
    [InlineData("")]
    [InlineData(" ascii")]
    public void TryGet_UnknownName_ReturnsFalse(string name)
    {
        Assert.False(CaseMapping.TryGet(name, out var mapping));
        Assert.Null(mapping);
    }

    private static CaseMapping Mapping(string name) => name switch
    {
        "ascii" => CaseMapping.Ascii,
        "rfc1459" => CaseMapping.Rfc1459,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
