using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Mxcp.Runtime.Execution;

namespace Mxcp.Admin.Monitoring;

/// <summary>
/// <c>GET /metrics</c>: the instruments of this host's <c>mxcp</c> meter (the ones OpenTelemetry exports) aggregated from the
/// moment the admin API starts, in the Prometheus text exposition format 0.0.4. Counters become <c>counter</c>s,
/// up-down counters <c>gauge</c>s, histograms <c>histogram</c>s with fixed millisecond buckets.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] Buckets = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();

    public PrometheusExporter(MxcpMeter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (meter.Includes(instrument) || instrument.Meter.Name.StartsWith("Mxcp", StringComparison.Ordinal))
            {
                _series.TryAdd(instrument, new Series(instrument));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, Labels(tags));
        }
    }

    public string Render()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var series in _series.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            series.Render(text);
        }

        return text.ToString();
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            pairs.Add($"{Sanitize(key)}=\"{Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")}\"");
        }

        pairs.Sort(StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] == '_'))
            {
                chars[i] = '_';
            }
        }

        return char.IsAsciiDigit(chars[0]) ? "_" + new string(chars) : new string(chars);
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _listener.Dispose();

    private sealed class Series(Instrument instrument)
    {
        private readonly ConcurrentDictionary<string, double[]> _values = new(StringComparer.Ordinal);
        private readonly bool _histogram = instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal);
        private readonly bool _counter = instrument.GetType().Name is "Counter`1" or "ObservableCounter`1";

        public string Name { get; } = PrometheusName(instrument);

        public void Record(double value, string labels)
        {
            var cells = _values.GetOrAdd(labels, _ => new double[_histogram ? Buckets.Length + 2 : 1]);
            lock (cells)
            {
                if (_histogram)
                {
                    for (var i = 0; i < Buckets.Length; i++)
                    {
                        if (value <= Buckets[i])
                        {
                            cells[i]++;
                        }
                    }

                    cells[Buckets.Length] += value;
                    cells[Buckets.Length + 1]++;
                }
                else if (instrument.IsObservable)
                {
                    cells[0] = value;
                }
                else
                {
                    cells[0] += value;
                }
            }
        }

        public void Render(StringBuilder text)
        {
            if (_values.IsEmpty)
            {
                return;
            }

            var type = _histogram ? "histogram" : _counter ? "counter" : "gauge";
            text.Append("# HELP ").Append(Name).Append(' ').Append(Escape(instrument.Description ?? instrument.Name)).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, cells) in _values.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                lock (cells)
                {
                    if (_histogram)
                    {
                        for (var i = 0; i < Buckets.Length; i++)
                        {
                            Line(text, Name + "_bucket", Join(labels, $"le=\"{Number(Buckets[i])}\""), cells[i]);
                        }

                        Line(text, Name + "_bucket", Join(labels, "le=\"+Inf\""), cells[Buckets.Length + 1]);
                        Line(text, Name + "_sum", labels, cells[Buckets.Length]);
                        Line(text, Name + "_count", labels, cells[Buckets.Length + 1]);
                    }
                    else
                    {
                        Line(text, Name, labels, cells[0]);
                    }
                }
            }
        }

        private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

        private static void Line(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0)
            {
                text.Append('{').Append(labels).Append('}');
            }

            text.Append(' ').Append(Number(value)).Append('\n');
        }

        private static string PrometheusName(Instrument instrument)
        {
            var name = Sanitize(instrument.Name);
            if (instrument.Unit is "ms" && !name.EndsWith("_ms", StringComparison.Ordinal) && !name.EndsWith("_milliseconds", StringComparison.Ordinal))
            {
                name += "_milliseconds";
            }

            return instrument.GetType().Name is "Counter`1" or "ObservableCounter`1" && !name.EndsWith("_total", StringComparison.Ordinal)
                ? name + "_total"
                : name;
        }
    }
}
