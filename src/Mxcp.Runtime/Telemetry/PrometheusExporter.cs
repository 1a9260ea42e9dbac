using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Telemetry;

/// <summary>
/// The Prometheus text (exposition format 0.0.4) of this host's <c>mxcp</c> instruments, aggregated from the moment the
/// exporter is created: what the admin API's <c>/metrics</c> and the Prometheus listener
/// (<c>telemetry.metrics.prometheus_port</c>) serve, one exporter for both. Names follow Prometheus' conventions as
/// OpenTelemetry's Prometheus exporter writes them: dots become underscores, the unit is appended (<c>s</c> →
/// <c>_seconds</c>, <c>By</c> → <c>_bytes</c>; annotations such as <c>{call}</c> are dropped), counters end in
/// <c>_total</c>; counters are <c>counter</c>s, up-down counters and gauges <c>gauge</c>s, histograms <c>histogram</c>s
/// with the instrument's advised buckets (<c>_bucket</c>, <c>_sum</c>, <c>_count</c>).
/// </summary>
/// <remarks>
/// Written here rather than taken from OpenTelemetry.Exporter.Prometheus.AspNetCore, which is only a beta and needs the
/// OpenTelemetry SDK's meter provider: this one works in any host (the admin socket has no OpenTelemetry setup) and
/// reads the same instruments as the OTLP export.
/// </remarks>
internal sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The most label combinations one instrument keeps; later ones are not recorded.</summary>
    public const int MaxSeriesPerInstrument = 10_000;

    // OpenTelemetry's default explicit buckets, for histograms without advice.
    private static readonly double[] DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();
    private readonly Lock _renderGate = new();

    public PrometheusExporter(MxcpMeter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (meter.Includes(instrument))
            {
                _series.TryAdd(instrument, new Series(instrument));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _series.TryRemove(instrument, out Series? _);
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

    /// <summary>The current values of every instrument, observable ones measured now.</summary>
    public string Render()
    {
        lock (_renderGate)
        {
            foreach (var series in _series.Values)
            {
                series.BeginObservation();
            }

            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var group in _series.Values.GroupBy(s => s.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                // Two instruments of one name (a host's meter and a plugin's) are one metric family.
                Series.Render(text, group.ToList());
            }

            return text.ToString();
        }
    }

    /// <summary>The Prometheus name of an instrument (see the class summary).</summary>
    public static string MetricName(Instrument instrument)
    {
        var name = Sanitize(instrument.Name);
        var unit = UnitSuffix(instrument.Unit);
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal) && !name.Contains("_" + unit + "_", StringComparison.Ordinal))
        {
            name = name.EndsWith("_total", StringComparison.Ordinal) ? name[..^"_total".Length] + "_" + unit + "_total" : name + "_" + unit;
        }

        return KindOf(instrument) == Kind.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    private static string UnitSuffix(string? unit) => unit switch
    {
        null or "" or "1" => "",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "min" => "minutes",
        "h" => "hours",
        "d" => "days",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "%" => "percent",
        _ when unit.StartsWith('{') => "",
        _ => Sanitize(unit),
    };

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            pairs.Add($"{Sanitize(key)}=\"{EscapeLabel(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")}\"");
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

        return chars.Length == 0 ? "_" : char.IsAsciiDigit(chars[0]) ? "_" + new string(chars) : new string(chars);
    }

    private static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);

    private static Kind KindOf(Instrument instrument) => instrument.GetType().IsGenericType
        ? instrument.GetType().GetGenericTypeDefinition() switch
        {
            var t when t == typeof(Counter<>) || t == typeof(ObservableCounter<>) => Kind.Counter,
            var t when t == typeof(Histogram<>) => Kind.Histogram,
            _ => Kind.Gauge,
        }
        : Kind.Gauge;

    public void Dispose() => _listener.Dispose();

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    private sealed class Series
    {
        private readonly Instrument _instrument;
        private readonly Kind _kind;
        private readonly double[] _buckets;
        private readonly ConcurrentDictionary<string, double[]> _values = new(StringComparer.Ordinal);

        public Series(Instrument instrument)
        {
            _instrument = instrument;
            _kind = KindOf(instrument);
            Name = MetricName(instrument);
            _buckets = _kind == Kind.Histogram ? AdvisedBuckets(instrument) ?? DefaultBuckets : [];
        }

        public string Name { get; }

        /// <summary>Observable instruments report their current values at each render; values of the last one go.</summary>
        public void BeginObservation()
        {
            if (_instrument.IsObservable)
            {
                _values.Clear();
            }
        }

        public void Record(double value, string labels)
        {
            if (!_values.TryGetValue(labels, out var cells))
            {
                if (_values.Count >= MaxSeriesPerInstrument)
                {
                    return;
                }

                cells = _values.GetOrAdd(labels, _ => new double[_kind == Kind.Histogram ? _buckets.Length + 2 : 1]);
            }

            lock (cells)
            {
                if (_kind == Kind.Histogram)
                {
                    for (var i = 0; i < _buckets.Length; i++)
                    {
                        if (value <= _buckets[i])
                        {
                            cells[i]++;
                        }
                    }

                    cells[_buckets.Length] += value;
                    cells[_buckets.Length + 1]++;
                }
                else if (_instrument.IsObservable)
                {
                    cells[0] = value;
                }
                else
                {
                    cells[0] += value;
                }
            }
        }

        public static void Render(StringBuilder text, IReadOnlyList<Series> family)
        {
            var rows = family.SelectMany(s => s._values.Select(v => (Series: s, Labels: v.Key, Cells: v.Value))).ToList();
            if (rows.Count == 0)
            {
                return;
            }

            var first = family[0];
            var type = first._kind switch { Kind.Histogram => "histogram", Kind.Counter => "counter", _ => "gauge" };
            text.Append("# HELP ").Append(first.Name).Append(' ').Append(EscapeHelp(first._instrument.Description ?? first._instrument.Name)).Append('\n');
            text.Append("# TYPE ").Append(first.Name).Append(' ').Append(type).Append('\n');
            foreach (var group in rows.GroupBy(r => r.Labels, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var labels = group.Key;
                if (first._kind == Kind.Histogram)
                {
                    // Same name, same buckets: the advice is per name. Instruments that differ are rendered by the first.
                    var buckets = first._buckets;
                    var sums = new double[buckets.Length + 2];
                    foreach (var (series, _, cells) in group.Where(r => r.Series._buckets.SequenceEqual(buckets)))
                    {
                        lock (cells)
                        {
                            for (var i = 0; i < sums.Length; i++)
                            {
                                sums[i] += cells[i];
                            }
                        }
                    }

                    for (var i = 0; i < buckets.Length; i++)
                    {
                        Line(text, first.Name + "_bucket", Join(labels, $"le=\"{Number(buckets[i])}\""), sums[i]);
                    }

                    Line(text, first.Name + "_bucket", Join(labels, "le=\"+Inf\""), sums[buckets.Length + 1]);
                    Line(text, first.Name + "_sum", labels, sums[buckets.Length]);
                    Line(text, first.Name + "_count", labels, sums[buckets.Length + 1]);
                }
                else
                {
                    var sum = 0.0;
                    foreach (var (_, _, cells) in group)
                    {
                        lock (cells)
                        {
                            sum += cells[0];
                        }
                    }

                    Line(text, first.Name, labels, sum);
                }
            }
        }

        private static double[]? AdvisedBuckets(Instrument instrument) => instrument switch
        {
            Instrument<double> d => d.Advice?.HistogramBucketBoundaries?.ToArray(),
            Instrument<long> l => l.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Instrument<int> i => i.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };

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
    }
}
