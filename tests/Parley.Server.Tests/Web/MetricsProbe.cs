using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Parley.Server.Tests.Web;

/// <summary>
/// Reads one server's instruments (its own Meter instance, so servers of other tests running
/// at the same time do not count): observable ones when asked, histograms as recorded.
/// </summary>
public sealed class MetricsProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _values = new();
    private readonly ConcurrentQueue<(string Name, double Value)> _recorded = new();

    public MetricsProbe(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _values[Key(instrument.Name, tags)] = value);
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => _recorded.Enqueue((instrument.Name, value)));
        _listener.Start();
    }

    /// <summary>The current value of an observable instrument, with one tag (name=value) or none.</summary>
    public long Read(string instrument, string? tag = null)
    {
        _listener.RecordObservableInstruments();
        return _values.TryGetValue(tag is null ? instrument : instrument + "{" + tag + "}", out var v) ? v : 0;
    }

    /// <summary>What a histogram recorded since the probe started.</summary>
    public IReadOnlyList<double> Recorded(string instrument) => [.. _recorded.Where(r => r.Name == instrument).Select(r => r.Value)];

    private static string Key(string name, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        => tags.Length == 0 ? name : name + "{" + tags[0].Key + "=" + tags[0].Value + "}";

    public void Dispose() => _listener.Dispose();
}
