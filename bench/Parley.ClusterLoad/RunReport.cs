using System.Text.Json;

namespace Parley.ClusterLoad;

/// <summary>What one run measured; <see cref="WriteJson"/> makes the one JSON line the tool prints.</summary>
internal sealed record RunReport
{
    public required LoadOptions Options { get; init; }
    public double SetupSeconds { get; init; }
    public double Seconds { get; init; }
    public long MessagesSent { get; init; }
    public long PrivmsgsReceived { get; init; }
    public required LatencyHistogram All { get; init; }
    public required LatencyHistogram SameNode { get; init; }
    public required LatencyHistogram CrossNode { get; init; }
    public long Gaps { get; init; }
    public long OutOfOrder { get; init; }
    public string? FirstAnomaly { get; init; }
    public long MissingAfterDrain { get; init; }
    public double DrainSeconds { get; init; }
    public long Foreign { get; init; }
    public long SendRefusals { get; init; }
    public long Disconnects { get; init; }
    public required IReadOnlyDictionary<string, long> DisconnectReasons { get; init; }
    public required IReadOnlyList<ServerCpu> ServerCpu { get; init; }
    public double LoadgenCpuSeconds { get; init; }
    public double MachineBusySeconds { get; init; }
    public string LoadAverageStart { get; init; } = "";
    public string LoadAverageEnd { get; init; } = "";

    /// <summary>Deliveries counted are those whose latency was recorded: received inside the measured window.</summary>
    public long Deliveries => All.Count;

    /// <summary>Whether every message reached every member once, in order, with no connection lost.</summary>
    public bool Clean => Gaps == 0 && OutOfOrder == 0 && MissingAfterDrain == 0 && Disconnects == 0 && Foreign == 0 && SendRefusals == 0;

    public void WriteJson(Stream output)
    {
        using var w = new Utf8JsonWriter(output);
        var o = Options;
        w.WriteStartObject();
        w.WriteString("tool", "parley-clusterload");
        w.WriteString("label", o.Label);
        w.WriteString("host", LoadOptions.Host);
        w.WriteStartArray("ports");
        foreach (var p in o.Ports)
        {
            w.WriteNumberValue(p);
        }
        w.WriteEndArray();
        w.WriteNumber("nodes", o.Ports.Count);
        w.WriteNumber("clients", o.Clients);
        w.WriteNumber("senders", o.Senders);
        w.WriteNumber("window", o.Window);
        w.WriteNumber("payload_bytes", o.Size);
        w.WriteString("ack", o.AckAll ? "all" : o.Ports.Count > 1 ? "designated (a receiver on the next node)" : "designated (a receiver on the one node)");
        w.WriteString("channel", o.Channel);
        w.WriteNumber("setup_s", Math.Round(SetupSeconds, 2));
        w.WriteNumber("warmup_s", o.Warmup);
        w.WriteNumber("seconds", Math.Round(Seconds, 3));
        w.WriteNumber("messages_sent", MessagesSent);
        w.WriteNumber("sent_per_sec", Math.Round(MessagesSent / Seconds, 1));
        w.WriteNumber("deliveries", Deliveries);
        w.WriteNumber("deliveries_per_sec", Math.Round(Deliveries / Seconds, 1));
        w.WriteNumber("deliveries_per_message", o.Clients - 1);
        w.WriteNumber("same_node_deliveries", SameNode.Count);
        w.WriteNumber("cross_node_deliveries", CrossNode.Count);
        WriteLatency(w, "latency_us", All);
        WriteLatency(w, "same_node_latency_us", SameNode);
        WriteLatency(w, "cross_node_latency_us", CrossNode);
        w.WriteNumber("gaps", Gaps);
        w.WriteNumber("out_of_order", OutOfOrder);
        w.WriteNumber("missing_after_drain", MissingAfterDrain);
        w.WriteNumber("drain_s", Math.Round(DrainSeconds, 3));
        if (FirstAnomaly is not null)
        {
            w.WriteString("first_anomaly", FirstAnomaly);
        }
        w.WriteNumber("foreign_privmsgs", Foreign);
        w.WriteNumber("send_refusals", SendRefusals);
        w.WriteNumber("disconnects", Disconnects);
        w.WriteStartObject("disconnect_reasons");
        foreach (var (reason, count) in DisconnectReasons)
        {
            w.WriteNumber(reason, count);
        }
        w.WriteEndObject();
        w.WriteStartArray("server_cpu");
        var serverTotal = 0.0;
        foreach (var s in ServerCpu)
        {
            w.WriteStartObject();
            w.WriteNumber("pid", s.Pid);
            w.WriteNumber("port", s.Port);
            WriteNumberOrNull(w, "cpu_s", s.CpuSeconds, 3);
            WriteNumberOrNull(w, "cores", s.CpuSeconds / Seconds, 3);
            w.WriteEndObject();
            serverTotal += double.IsNaN(s.CpuSeconds) ? 0 : s.CpuSeconds;
        }
        w.WriteEndArray();
        w.WriteNumber("server_cpu_s", Math.Round(serverTotal, 3));
        WriteNumberOrNull(w, "server_cpu_us_per_delivery", ServerCpu.Count > 0 && Deliveries > 0 ? serverTotal * 1e6 / Deliveries : double.NaN, 3);
        WriteNumberOrNull(w, "server_cpu_us_per_message", ServerCpu.Count > 0 && MessagesSent > 0 ? serverTotal * 1e6 / MessagesSent : double.NaN, 1);
        w.WriteNumber("loadgen_cpu_s", Math.Round(LoadgenCpuSeconds, 3));
        w.WriteNumber("loadgen_cores", Math.Round(LoadgenCpuSeconds / Seconds, 3));
        w.WriteNumber("machine_busy_cores", Math.Round(MachineBusySeconds / Seconds, 3));
        w.WriteNumber("other_cpu_cores", Math.Round(Math.Max(0, MachineBusySeconds - serverTotal - LoadgenCpuSeconds) / Seconds, 3));
        w.WriteNumber("cpus", Environment.ProcessorCount);
        w.WriteString("loadavg_start", LoadAverageStart);
        w.WriteString("loadavg_end", LoadAverageEnd);
        w.WriteBoolean("clean", Clean);
        w.WriteString("ts", DateTime.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteEndObject();
    }

    private static void WriteLatency(Utf8JsonWriter w, string name, LatencyHistogram h)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", h.Count);
        w.WriteNumber("p50", Micro(h.Quantile(0.50)));
        w.WriteNumber("p90", Micro(h.Quantile(0.90)));
        w.WriteNumber("p99", Micro(h.Quantile(0.99)));
        w.WriteNumber("p999", Micro(h.Quantile(0.999)));
        w.WriteNumber("max", Micro(h.Max));
        w.WriteNumber("mean", Math.Round(h.Mean / 1000, 1));
        w.WriteEndObject();
    }

    private static double Micro(long ns) => Math.Round(ns / 1000.0, 1);

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, double value, int digits)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, Math.Round(value, digits));
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
