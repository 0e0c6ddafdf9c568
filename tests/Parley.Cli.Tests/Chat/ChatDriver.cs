using System.Text;
using System.Threading.Channels;
using Parley.Cli.Chat;

namespace Parley.Cli.Tests.Chat;

/// <summary>
/// Runs <c>parley chat</c> in plain mode in this process: the test writes its standard input
/// line by line and waits for lines on its standard output (each wait bounded, none a sleep).
/// </summary>
public sealed class ChatDriver : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly Channel<string?> _input = Channel.CreateUnbounded<string?>();
    private readonly Channel<string> _output = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];
    private readonly Task<int> _run;

    public ChatDriver(string name, params string[] args)
    {
        Name = name;
        _run = Task.Run(() => ChatCommand.RunAsync(args, new ChannelReaderText(_input.Reader), new LineCapture(_output.Writer),
            new LineCapture(_output.Writer), plain: true));
    }

    public string Name { get; }

    /// <summary>Every line seen so far, for failure messages and the docs.</summary>
    public IReadOnlyList<string> Seen => _seen;

    public void Send(string line) => _input.Writer.TryWrite(line);

    /// <summary>Sends a command and waits for a line containing <paramref name="expected"/>.</summary>
    public Task<string> SendAndExpectAsync(string line, string expected)
    {
        Send(line);
        return ExpectAsync(expected);
    }

    /// <summary>Waits for the next line that contains <paramref name="expected"/>; lines before it are passed over.</summary>
    public async Task<string> ExpectAsync(string expected)
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                var line = await _output.Reader.ReadAsync(cts.Token);
                _seen.Add(line);
                if (line.Contains(expected, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name}: no line with '{expected}' within {Timeout.TotalSeconds} s; saw:\n{string.Join('\n', _seen.TakeLast(30))}");
        }
    }

    /// <summary>Waits until a line containing each of <paramref name="expected"/> has come, in any order.</summary>
    public async Task ExpectAllAsync(params string[] expected)
    {
        var missing = new List<string>(expected);
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            while (missing.Count > 0)
            {
                var line = await _output.Reader.ReadAsync(cts.Token);
                _seen.Add(line);
                missing.RemoveAll(e => line.Contains(e, StringComparison.Ordinal));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name}: no line with '{string.Join("', '", missing)}' within {Timeout.TotalSeconds} s; saw:\n{string.Join('\n', _seen.TakeLast(30))}");
        }
    }

    /// <summary>Ends standard input and waits for the exit code.</summary>
    public async Task<int> ExitAsync()
    {
        _input.Writer.TryComplete();
        return await _run.WaitAsync(Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        _input.Writer.TryComplete();
        try
        {
            await _run.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Standard input from a channel: a line when the test sends one, null once it completes.</summary>
    private sealed class ChannelReaderText(ChannelReader<string?> lines) : TextReader
    {
        public override async Task<string?> ReadLineAsync()
        {
            try
            {
                return await lines.ReadAsync();
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        public override string? ReadLine() => ReadLineAsync().GetAwaiter().GetResult();
    }

    /// <summary>Standard output split into lines.</summary>
    private sealed class LineCapture(ChannelWriter<string> lines) : TextWriter
    {
        private readonly StringBuilder _partial = new();
        private readonly Lock _gate = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_gate)
            {
                if (value == '\n')
                {
                    lines.TryWrite(_partial.ToString().TrimEnd('\r'));
                    _partial.Clear();
                }
                else
                {
                    _partial.Append(value);
                }
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "")
            {
                Write(c);
            }
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            Write('\n');
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }
    }
}
