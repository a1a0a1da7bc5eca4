using System.Globalization;
using System.Net;
using System.Text;

namespace EhrChain.Bench;

/// <summary>A named line of a chart: its points (x in seconds) and colour.</summary>
internal sealed record ChartLine(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// A line chart as inline SVG, so the report page needs no script or network: axes with round
/// ticks, one polyline per series, a legend, and the warmup shaded.
/// </summary>
internal static class SvgChart
{
    private const int Width = 860;
    private const int Height = 280;
    private const int Left = 64;
    private const int Right = 16;
    private const int Top = 28;
    private const int Bottom = 36;

    public static string Line(string title, string yUnit, IReadOnlyList<ChartLine> lines, double shadeUntilX)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var points = lines.SelectMany(l => l.Points).Where(p => double.IsFinite(p.Y)).ToList();
        var maxX = Math.Max(1, points.Count == 0 ? 1 : points.Max(p => p.X));
        var maxY = NiceCeiling(points.Count == 0 ? 1 : points.Max(p => p.Y));
        double Px(double x) => Left + (x / maxX * (Width - Left - Right));
        double Py(double y) => Height - Bottom - (y / maxY * (Height - Top - Bottom));

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{Encode(title)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"18\" font-weight=\"bold\">{Encode(title)}</text>");
        if (shadeUntilX > 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{F(Px(Math.Min(shadeUntilX, maxX)) - Left)}\" height=\"{Height - Top - Bottom}\" fill=\"#eee\"><title>warmup</title></rect>");
        }
        for (var i = 0; i <= 4; i++)
        {
            var y = maxY * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(Py(y))}\" y2=\"{F(Py(y))}\" stroke=\"#ddd\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(Py(y) + 4)}\" text-anchor=\"end\">{FormatTick(y)}</text>");
        }
        var xStep = NiceCeiling(maxX / 8);
        for (var x = 0.0; x <= maxX + 1e-9; x += xStep)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Px(x))}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{FormatTick(x)}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{Height - 4}\" text-anchor=\"end\">seconds</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{Top - 8}\">{Encode(yUnit)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#888\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" stroke=\"#888\"/>");

        var legendX = Left + 260;
        foreach (var line in lines)
        {
            var coordinates = string.Join(' ', line.Points.Where(p => double.IsFinite(p.Y)).Select(p => $"{F(Px(p.X))},{F(Py(p.Y))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Encode(line.Color)}\" stroke-width=\"1.8\" points=\"{coordinates}\"><title>{Encode(line.Name)}</title></polyline>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{legendX}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{Encode(line.Color)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{legendX + 16}\" y=\"18\">{Encode(line.Name)}</text>");
            legendX += 24 + (line.Name.Length * 7);
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>The smallest 1, 2 or 5 times a power of ten at or above <paramref name="value"/> (1 for nothing to show).</summary>
    public static double NiceCeiling(double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            return 1;
        }
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (step * power >= value * (1 - 1e-12))
            {
                return step * power;
            }
        }
        return 10 * power;
    }

    private static string FormatTick(double value) => value.ToString(value >= 10 || value == Math.Floor(value) ? "0" : "0.##", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
