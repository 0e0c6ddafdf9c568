using Parley.Server.Web;

namespace Parley.Server.Tests.Web;

public sealed class OriginTests
{
    [Theory]
    // No Origin: not a browser, allowed.
    [InlineData(null, "localhost:8080", "", true)]
    [InlineData("", "localhost:8080", "", true)]
    // Same origin, always.
    [InlineData("http://localhost:8080", "localhost:8080", "", true)]
    [InlineData("https://chat.example.org", "chat.example.org", "", true)]
    [InlineData("http://LOCALHOST:8080", "localhost:8080", "", true)]
    // Another origin, by default not.
    [InlineData("http://localhost:8081", "localhost:8080", "", false)]
    [InlineData("http://127.0.0.1:8080", "localhost:8080", "", false)]
    [InlineData("https://evil.example", "chat.example.org", "", false)]
    [InlineData("null", "localhost:8080", "", false)]
    [InlineData("file://", "localhost:8080", "", false)]
    // The allow-list.
    [InlineData("https://chat.example.org", "irc.example.org", "https://chat.example.org", true)]
    [InlineData("https://chat.example.org/", "irc.example.org", "https://chat.example.org", true)]
    [InlineData("http://chat.example.org", "irc.example.org", "https://chat.example.org", false)]
    [InlineData("https://a.example.org", "irc.example.org", "https://*.example.org", true)]
    [InlineData("https://b.a.example.org", "irc.example.org", "https://*.example.org", true)]
    [InlineData("https://example.org", "irc.example.org", "https://*.example.org", false)]
    [InlineData("https://evilexample.org", "irc.example.org", "https://*.example.org", false)]
    [InlineData("https://a.example.org:8443", "irc.example.org", "https://*.example.org", false)]
    [InlineData("https://anything.example", "irc.example.org", "*", true)]
    [InlineData("null", "irc.example.org", "*", true)]
    public void OriginAllowed(string? origin, string host, string allowed, bool expected)
        => Assert.Equal(expected, WebSocketEndpoint.OriginAllowed(origin, host, allowed.Split(',', StringSplitOptions.RemoveEmptyEntries)));

    [Theory]
    [InlineData("text.ircv3.net", "text.ircv3.net")]
    [InlineData("binary.ircv3.net", "binary.ircv3.net")]
    [InlineData("foo,binary.ircv3.net,text.ircv3.net", "binary.ircv3.net")]
    [InlineData("TEXT.IRCV3.NET", "text.ircv3.net")]
    [InlineData("foo", null)]
    [InlineData("", null)]
    public void ChooseSubprotocol_TakesTheClientsFirstKnownChoice(string offered, string? expected)
        => Assert.Equal(expected, WebSocketEndpoint.ChooseSubprotocol(offered.Split(',', StringSplitOptions.RemoveEmptyEntries)));
}
