namespace Parley.Cli;

/// <summary>Command-line helpers shared by the verbs.</summary>
internal static class CliArgs
{
    /// <summary>
    /// Splits <c>--option=value</c> into the option and its inline value; any other argument
    /// comes back whole with a null value.
    /// </summary>
    public static string SplitInline(string arg, out string? inline)
    {
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
        {
            inline = arg[(eq + 1)..];
            return arg[..eq];
        }
        inline = null;
        return arg;
    }
}
