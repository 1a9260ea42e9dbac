using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using static Mxcp.Admin.Console.Html;

namespace Mxcp.Admin.Console;

/// <summary>
/// An inline SVG chart of the latencies of an endpoint's last calls, with its p50, p95 and p99 lines since start: drawn
/// on the server (no script, no external library), described for screen readers, and followed by the same numbers as
/// a table. Styles come from the console's stylesheet (the Content-Security-Policy allows no inline styles).
/// </summary>
internal static class LatencyChart
{
    private const double Width = 640;
    private const double Height = 200;
    private const double Left = 56;
    private const double Bottom = 24;
    private const double Top = 8;
    private const double Right = 8;

    public static string Render(IReadOnlyList<(DateTimeOffset At, double Milliseconds, bool Failed)> calls, JsonNode latency, string name)
    {
        if (calls.Count == 0)
        {
            return "<p>No calls yet.</p>";
        }

        var p50 = latency["p50"]?.GetValue<double>();
        var p95 = latency["p95"]?.GetValue<double>();
        var p99 = latency["p99"]?.GetValue<double>();
        var max = Math.Max(calls.Max(c => c.Milliseconds), p99 ?? 0);
        var scale = NiceCeiling(max);
        double X(int i) => Left + (calls.Count == 1 ? (Width - Left - Right) / 2 : i * (Width - Left - Right) / (calls.Count - 1));
        double Y(double ms) => Top + ((Height - Top - Bottom) * (1 - (ms / scale)));
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var failed = calls.Count(c => c.Failed);
        var summary = $"Latency of the last {calls.Count} call(s) of {name}: from {F(calls.Min(c => c.Milliseconds))} to {F(calls.Max(c => c.Milliseconds))} ms"
            + (p50 is null ? "" : $"; since start p50 {F(p50.Value)} ms, p95 {F(p95!.Value)} ms, p99 {F(p99!.Value)} ms")
            + (failed > 0 ? $"; {failed} failed" : "") + ".";
        var sb = new StringBuilder();
        sb.Append("<figure class=\"chart\"><svg viewBox=\"0 0 ").Append(F(Width)).Append(' ').Append(F(Height)).Append("\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">")
            .Append("<title id=\"chart-title\">Latency of the last calls</title><desc id=\"chart-desc\">").Append(E(summary)).Append("</desc>");
        foreach (var tick in new[] { 0, 0.5, 1 })
        {
            var y = Y(scale * tick);
            sb.Append("<line class=\"grid\" x1=\"").Append(F(Left)).Append("\" x2=\"").Append(F(Width - Right)).Append("\" y1=\"").Append(F(y)).Append("\" y2=\"").Append(F(y)).Append("\"/>")
                .Append("<text class=\"axis\" x=\"").Append(F(Left - 6)).Append("\" y=\"").Append(F(y + 4)).Append("\" text-anchor=\"end\">").Append(F(scale * tick)).Append(" ms</text>");
        }

        foreach (var (value, label) in new[] { (p50, "p50"), (p95, "p95"), (p99, "p99") })
        {
            if (value is { } v)
            {
                sb.Append("<line class=\"percentile ").Append(label).Append("\" x1=\"").Append(F(Left)).Append("\" x2=\"").Append(F(Width - Right)).Append("\" y1=\"").Append(F(Y(v))).Append("\" y2=\"").Append(F(Y(v))).Append("\"/>")
                    .Append("<text class=\"label ").Append(label).Append("\" x=\"").Append(F(Width - Right - 2)).Append("\" y=\"").Append(F(Y(v) - 3)).Append("\" text-anchor=\"end\">").Append(label).Append("</text>");
            }
        }

        sb.Append("<polyline class=\"series\" points=\"");
        for (var i = 0; i < calls.Count; i++)
        {
            sb.Append(F(X(i))).Append(',').Append(F(Y(calls[i].Milliseconds))).Append(' ');
        }

        sb.Append("\"/>");
        for (var i = 0; i < calls.Count; i++)
        {
            sb.Append("<circle class=\"").Append(calls[i].Failed ? "point failed" : "point").Append("\" cx=\"").Append(F(X(i))).Append("\" cy=\"").Append(F(Y(calls[i].Milliseconds))).Append("\" r=\"2.5\"/>");
        }

        sb.Append("<text class=\"axis\" x=\"").Append(F(Left)).Append("\" y=\"").Append(F(Height - 6)).Append("\">oldest</text><text class=\"axis\" x=\"").Append(F(Width - Right)).Append("\" y=\"").Append(F(Height - 6)).Append("\" text-anchor=\"end\">latest</text>");
        sb.Append("</svg><figcaption>").Append(E(summary)).Append("</figcaption></figure>");
        sb.Append("<details><summary>The same calls as a table</summary><table><caption>Last calls, latest first</caption><thead><tr><th scope=\"col\">When</th><th scope=\"col\" class=\"num\">ms</th><th scope=\"col\">Result</th></tr></thead><tbody>");
        foreach (var call in calls.Reverse())
        {
            sb.Append("<tr><td>").Append(Time(call.At.ToString("O"))).Append("</td><td class=\"num\">").Append(E(call.Milliseconds.ToString("0.###", CultureInfo.InvariantCulture))).Append("</td><td>").Append(call.Failed ? "failed" : "ok").Append("</td></tr>");
        }

        return sb.Append("</tbody></table></details>").ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="value"/>.</summary>
    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2, 5, 10 })
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }
}
