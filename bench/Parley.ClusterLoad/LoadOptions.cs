using System.Globalization;

namespace Parley.ClusterLoad;

/// <summary>How a run is shaped. Immutable; made by <see cref="TryParse"/>, which checks every bound.</summary>
internal sealed record LoadOptions
{
    /// <summary>The only host this tool connects to: it measures servers on this machine's loopback.</summary>
    public const string Host = "127.0.0.1";

    /// <summary>The nodes' IRC ports; client i connects to Ports[i % Ports.Count].</summary>
    public required IReadOnlyList<int> Ports { get; init; }

    public int Clients { get; init; } = 200;

    /// <summary>Clients 0..Senders-1 send; with round-robin ports they are spread over the nodes.</summary>
    public int Senders { get; init; } = 10;

    /// <summary>Messages a sender may have unacknowledged at once.</summary>
    public int Window { get; init; } = 8;

    /// <summary>Message text length in bytes (the payload "sender:seq:ticks:" padded with 'x').</summary>
    public int Size { get; init; } = 64;

    public double Seconds { get; init; } = 20;

    public double Warmup { get; init; } = 3;

    /// <summary>Setup bound (connect, register, join), seconds.</summary>
    public double Timeout { get; init; } = 180;

    /// <summary>false: a message is acknowledged by its sender's designated receiver; true: once every member has it.</summary>
    public bool AckAll { get; init; }

    public string Channel { get; init; } = "#fanout";

    /// <summary>Server processes whose CPU (utime + stime) is reported, in the order of the ports.</summary>
    public IReadOnlyList<int> Pids { get; init; } = [];

    public string Label { get; init; } = "";

    /// <summary>Registrations in flight at once.</summary>
    public int ConnectConcurrency { get; init; } = 50;

    public const string Usage = """
        parley-clusterload: channel fan-out across the nodes of a Parley cluster (loopback only).

          --port N            a node's IRC port on 127.0.0.1; repeat it (or --ports A,B,C): clients go
                              round-robin over the ports, client i to port i mod count
          --clients N         clients, all in one channel (default 200)
          --senders S         clients 0..S-1 send, so senders are spread over the nodes (default 10)
          --window W          unacknowledged messages per sender (default 8)
          --ack designated|all  designated (default): a message is acknowledged when one receiver on
                              another node than its sender (the same node with one port) has it;
                              all: when every member has it
          --size B            message text bytes, 32..400 (default 64)
          --warmup S          seconds of load before measuring (default 3)
          --seconds S         seconds measured (default 20)
          --timeout S         bound on connecting, registering and joining (default 180)
          --channel NAME      (default #fanout)
          --pids P,Q,R        server processes to report CPU for (from /proc/PID/stat)
          --label TEXT        copied into the report
          --host 127.0.0.1    the only host accepted
        Prints one JSON line on stdout; progress on stderr. Exit 0 when the run completed with no gap,
        no reordering and no disconnect; 1 when it completed with one of those; 2 for bad usage; 3 when
        setup failed.
        """;

    public static bool TryParse(IReadOnlyList<string> args, out LoadOptions? options, out string? error)
    {
        options = null;
        error = null;
        var ports = new List<int>();
        var pids = new List<int>();
        var o = new LoadOptions { Ports = ports, Pids = pids };
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                error = $"unexpected argument '{arg}'";
                return false;
            }
            var key = arg[2..];
            string? value;
            var eq = key.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = key[(eq + 1)..];
                key = key[..eq];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                error = $"--{key} needs a value";
                return false;
            }
            switch (key)
            {
                case "host":
                    if (value != Host)
                    {
                        error = $"--host must be {Host}: this tool loads servers on this machine's loopback only";
                        return false;
                    }
                    break;
                case "port":
                case "ports":
                    foreach (var p in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!TryInt(p, 1, 65535, out var port))
                        {
                            error = $"--{key}: '{p}' is not a port (1..65535)";
                            return false;
                        }
                        ports.Add(port);
                    }
                    break;
                case "pids":
                case "pid":
                    foreach (var p in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!TryInt(p, 1, int.MaxValue, out var pid))
                        {
                            error = $"--{key}: '{p}' is not a process id";
                            return false;
                        }
                        pids.Add(pid);
                    }
                    break;
                case "clients" when TryInt(value, 2, 20_000, out var n):
                    o = o with { Clients = n };
                    break;
                case "senders" when TryInt(value, 1, 10_000, out var n):
                    o = o with { Senders = n };
                    break;
                case "window" when TryInt(value, 1, 10_000, out var n):
                    o = o with { Window = n };
                    break;
                case "size" when TryInt(value, 32, 400, out var n):
                    o = o with { Size = n };
                    break;
                case "connect-concurrency" when TryInt(value, 1, 1000, out var n):
                    o = o with { ConnectConcurrency = n };
                    break;
                case "seconds" when TryDouble(value, 0.1, 3600, out var d):
                    o = o with { Seconds = d };
                    break;
                case "warmup" when TryDouble(value, 0, 600, out var d):
                    o = o with { Warmup = d };
                    break;
                case "timeout" when TryDouble(value, 1, 3600, out var d):
                    o = o with { Timeout = d };
                    break;
                case "ack" when value is "designated" or "all":
                    o = o with { AckAll = value == "all" };
                    break;
                case "channel" when value.Length > 1 && value[0] == '#' && !value.Contains(' ', StringComparison.Ordinal) && !value.Contains(',', StringComparison.Ordinal):
                    o = o with { Channel = value };
                    break;
                case "label":
                    o = o with { Label = value };
                    break;
                case "clients" or "senders" or "window" or "size" or "connect-concurrency" or "seconds" or "warmup" or "timeout" or "ack" or "channel":
                    error = $"--{key}: '{value}' is out of range (see --help)";
                    return false;
                default:
                    error = $"unknown option --{key}";
                    return false;
            }
        }
        if (ports.Count == 0)
        {
            error = "give at least one --port";
            return false;
        }
        if (o.Senders >= o.Clients)
        {
            error = "--senders must be less than --clients (receivers are the clients that do not send)";
            return false;
        }
        if (o.Clients - o.Senders < ports.Count)
        {
            error = "every node needs a receiver: --clients minus --senders must be at least the number of ports";
            return false;
        }
        options = o;
        return true;
    }

    private static bool TryInt(string s, int min, int max, out int value) =>
        int.TryParse(s.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static bool TryDouble(string s, double min, double max, out double value) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
}
