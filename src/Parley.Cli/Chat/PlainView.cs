namespace Parley.Cli.Chat;

/// <summary>Plain mode: one line per event on standard output, flushed at once, so scripts and tests can follow.</summary>
internal sealed class PlainView(TextWriter output) : IChatView
{
    private readonly Lock _gate = new();

    public void Show(string line, string? conversation = null)
    {
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
