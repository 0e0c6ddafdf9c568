namespace Parley.Protocol.Tests.Support;

/// <summary>Field-by-field comparison of messages; <see cref="IrcMessage"/> has no value equality.</summary>
internal static class MessageAssert
{
    /// <summary>Tags as "key=value" or "key" (no value), sorted, since tag order carries no meaning (message-tags spec).</summary>
    public static string[] TagStrings(IEnumerable<IrcTag> tags)
        => tags.Select(t => t.Value is null ? t.Key : $"{t.Key}={t.Value}").Order(StringComparer.Ordinal).ToArray();

    public static string[] SortedOrdinal(IEnumerable<string> items) => items.Order(StringComparer.Ordinal).ToArray();

    public static void Equal(IrcMessage expected, IrcMessage actual)
    {
        Assert.Equal(TagStrings(expected.Tags), TagStrings(actual.Tags));
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.Command, actual.Command);
        Assert.Equal(expected.Parameters, actual.Parameters);
    }
}
