using Parley.Cli.Chat;

namespace Parley.Cli.Tests.Chat;

public sealed class InteractiveEchoTests
{
    [Theory]
    [InlineData("/lookup bob", "» /lookup bob")]
    [InlineData("/LOGIN alice wonderland", "» /LOGIN alice ********")]
    [InlineData("/login alice wonderland 127.0.0.1 5000", "» /login alice ******** 127.0.0.1 5000")]
    [InlineData("/msg bob hi", null)]
    [InlineData("/me waves", null)]
    [InlineData("plain text", null)]
    [InlineData("//not a command", null)]
    public void Echo_KeepsCommandsInTheScrollback_WithoutPasswords(string line, string? expected) =>
        Assert.Equal(expected, InteractiveConsole.Echo(line));
}
