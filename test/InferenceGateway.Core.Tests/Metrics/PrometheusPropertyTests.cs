using System.Globalization;
using System.Text;
using CsCheck;
using InferenceGateway.Core.Metrics;

namespace InferenceGateway.Core.Tests.Metrics;

/// <summary>The span parser against a deliberately simple string-based reference parser, on generated valid text.</summary>
public class PrometheusPropertyTests
{
    private const string NameStartChars = "abcxyzABCXYZ_:";
    private const string NameChars = "abcxyzABCXYZ_:0129";
    private const string LabelStartChars = "abcxyzABCXYZ_";
    private const string LabelChars = "abcxyzABCXYZ_0129";
    // BMP only: Gen.Char picks single UTF-16 units, and half a surrogate pair is not text (emoji are covered by a unit test).
    private const string ValueChars = "ab Z09_-.,:;{}=#\"\\\n\tüß漢";

    private static readonly Gen<string> Blank = Gen.String[Gen.Char[" \t"], 1, 3];

    private static readonly Gen<string> OptionalBlank = Gen.String[Gen.Char[" \t"], 0, 2];

    private static readonly Gen<string> MetricName =
        Gen.Select(Gen.Char[NameStartChars], Gen.String[Gen.Char[NameChars], 0, 12], (first, rest) => first + rest);

    private static readonly Gen<(string Name, string Value)[]> Labels =
        Gen.Select(Gen.Char[LabelStartChars], Gen.String[Gen.Char[LabelChars], 0, 6], Gen.String[Gen.Char[ValueChars], 0, 12], (first, rest, value) => (first + rest, value))
            .Array[0, 4]
            .Select(labels => labels.Select((l, i) => (l.Item1 + i.ToString(CultureInfo.InvariantCulture), l.Item2)).ToArray());

    private static readonly Gen<string> Value = Gen.OneOf(
        Gen.Double.Select(FormatDouble),
        Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture)),
        Gen.OneOfConst("NaN", "nan", "+Inf", "-Inf", "Inf", "0", "-0", "1e-3", "2.5E+10", ".5"));

    private static readonly Gen<string?> Timestamp = Gen.Frequency(
        (3, Gen.Const<string?>((string?)null)),
        (1, Gen.Long.Select(l => (string?)l.ToString(CultureInfo.InvariantCulture))));

    private static readonly Gen<string> SampleTail = Gen.Select(
        Labels, Value, Timestamp, OptionalBlank, Blank, Gen.Bool, Gen.Bool,
        (labels, value, timestamp, inner, blank, trailingComma, braces) =>
        {
            var builder = new StringBuilder();
            if (labels.Length > 0 || braces)
            {
                builder.Append('{').Append(inner);
                for (var i = 0; i < labels.Length; i++)
                {
                    builder.Append(labels[i].Name).Append(inner).Append('=').Append(inner)
                        .Append('"').Append(PrometheusEscaping.EscapeLabelValue(labels[i].Value)).Append('"').Append(inner);
                    if (i < labels.Length - 1 || trailingComma)
                    {
                        builder.Append(',').Append(inner);
                    }
                }

                builder.Append('}');
            }

            builder.Append(blank).Append(value);
            if (timestamp is not null)
            {
                builder.Append(blank).Append(timestamp);
            }

            return builder.ToString();
        });

    private static readonly Gen<string> Family = Gen.Select(
        MetricName,
        Gen.Int[0, 1000],
        Gen.OneOfConst<string?>(null, "gauge", "counter", "untyped", "histogram", "summary"),
        Gen.String[Gen.Char[ValueChars], 0, 20],
        SampleTail.Array[1, 4],
        Gen.Bool,
        (rawName, id, type, help, tails, withHelp) =>
        {
            var name = $"{rawName}_f{id}";
            var builder = new StringBuilder();
            if (withHelp)
            {
                builder.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
            }

            if (type is not null)
            {
                builder.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            }

            for (var i = 0; i < tails.Length; i++)
            {
                // Histograms and summaries get their structural series; everything else plain samples.
                var (suffix, extra) = type switch
                {
                    "histogram" => (i % 3) switch { 0 => ("_bucket", "le=\"0.25\""), 1 => ("_sum", null), _ => ("_count", null) },
                    "summary" => (i % 3) switch { 0 => (string.Empty, "quantile=\"0.99\""), 1 => ("_sum", null), _ => ("_count", null) },
                    _ => (string.Empty, (string?)null),
                };
                var tail = tails[i];
                if (extra is not null)
                {
                    tail = tail.StartsWith('{') ? "{" + extra + "," + tail[1..] : "{" + extra + "}" + tail;
                }

                builder.Append(i % 2 == 0 ? string.Empty : " ").Append(name).Append(suffix).Append(tail).Append('\n');
            }

            return builder.ToString();
        });

    private static readonly Gen<string> Document = Gen.Select(
        Family.Array[0, 8],
        Gen.Bool,
        Gen.Bool,
        (families, crlf, noise) =>
        {
            var text = string.Join(noise ? "\n# a comment\n  \n" : string.Empty, families);
            return crlf ? text.Replace("\n", "\r\n", StringComparison.Ordinal) : text;
        });

    [Fact]
    public void Parse_GeneratedValidText_MatchesReferenceParser()
    {
        Document.Sample(text =>
        {
            var (samples, problems, _) = CollectingVisitor.Parse(Encoding.UTF8.GetBytes(text));
            var expected = NaiveReferenceParser.Parse(text);

            Assert.Empty(problems);
            Assert.Equal(expected.Count, samples.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Name, samples[i].Name);
                Assert.Equal(expected[i].Family, samples[i].Family);
                Assert.Equal(expected[i].Type, samples[i].Type);
                Assert.Equal(expected[i].Labels, samples[i].Labels);
                Assert.True(expected[i].Value.Equals(samples[i].Value), $"value {expected[i].Value} != {samples[i].Value}");
                Assert.Equal(expected[i].TimestampMs, samples[i].TimestampMs);
            }
        }, iter: 300);
    }

    [Fact]
    public void Parse_RandomBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 400].Sample(bytes =>
        {
            var problems = new List<PrometheusProblem>();
            var visitor = new CollectingVisitor();
            var count = PrometheusTextParser.Parse(bytes, ref visitor, problems);
            Assert.True(count >= problems.Count);
        }, iter: 500);
    }

    [Fact]
    public void Parse_MutatedValidText_NeverThrowsAndReportsOrParses()
    {
        Gen.Select(Document, Gen.Int[0, 10_000], Gen.Byte, Gen.Int[0, 2], (text, position, b, op) => (text, position, b, op)).Sample(t =>
        {
            var bytes = new List<byte>(Encoding.UTF8.GetBytes(t.text));
            if (bytes.Count > 0)
            {
                var at = t.position % bytes.Count;
                switch (t.op)
                {
                    case 0:
                        bytes.RemoveAt(at);
                        break;
                    case 1:
                        bytes.Insert(at, t.b);
                        break;
                    default:
                        bytes[at] = t.b;
                        break;
                }
            }

            var visitor = new CollectingVisitor();
            var count = PrometheusTextParser.Parse(bytes.ToArray(), ref visitor);
            Assert.True(count >= 0);
        }, iter: 300);
    }

    private static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// The simplest correct reading of valid 0.0.4 text: split, trim, walk. Written independently of the span parser
/// (strings, StringBuilder, double.Parse) so the property test compares two implementations.
/// </summary>
internal static class NaiveReferenceParser
{
    public static List<FlatSample> Parse(string text)
    {
        var result = new List<FlatSample>();
        string? family = null;
        var type = PrometheusMetricType.Untyped;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.EndsWith('\r') ? rawLine[..^1] : rawLine;
            var trimmed = line.Trim(' ', '\t');
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (trimmed[0] == '#')
            {
                var words = trimmed[1..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 3 && words[0] == "TYPE")
                {
                    family = words[1];
                    type = Enum.Parse<PrometheusMetricType>(words[2], ignoreCase: true);
                }

                continue;
            }

            var i = 0;
            while (i < trimmed.Length && (char.IsAsciiLetterOrDigit(trimmed[i]) || trimmed[i] is '_' or ':'))
            {
                i++;
            }

            var name = trimmed[..i];
            var rest = trimmed[i..].TrimStart(' ', '\t');
            var labels = new List<KeyValuePair<string, string>>();
            if (rest.StartsWith('{'))
            {
                var j = 1;
                while (true)
                {
                    while (rest[j] is ' ' or '\t' or ',')
                    {
                        j++;
                    }

                    if (rest[j] == '}')
                    {
                        j++;
                        break;
                    }

                    var nameEnd = rest.IndexOfAny(['=', ' ', '\t'], j);
                    var labelName = rest[j..nameEnd];
                    j = rest.IndexOf('"', nameEnd) + 1;
                    var value = new StringBuilder();
                    while (rest[j] != '"')
                    {
                        if (rest[j] == '\\')
                        {
                            j++;
                            value.Append(rest[j] == 'n' ? '\n' : rest[j]);
                        }
                        else
                        {
                            value.Append(rest[j]);
                        }

                        j++;
                    }

                    j++;
                    labels.Add(new(labelName, value.ToString()));
                }

                rest = rest[j..];
            }

            var tokens = rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var number = tokens[0].ToUpperInvariant() switch
            {
                "NAN" => double.NaN,
                "INF" or "+INF" or "INFINITY" or "+INFINITY" => double.PositiveInfinity,
                "-INF" or "-INFINITY" => double.NegativeInfinity,
                _ => double.Parse(tokens[0], NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            long? timestamp = tokens.Length > 1 ? long.Parse(tokens[1], CultureInfo.InvariantCulture) : null;

            var (sampleFamily, sampleType) = (name, PrometheusMetricType.Untyped);
            if (family is not null && name == family)
            {
                (sampleFamily, sampleType) = (family, type);
            }
            else if (family is not null && name.StartsWith(family, StringComparison.Ordinal))
            {
                var suffix = name[family.Length..];
                var isPart = type == PrometheusMetricType.Histogram ? suffix is "_bucket" or "_sum" or "_count"
                    : type == PrometheusMetricType.Summary && suffix is "_sum" or "_count";
                if (isPart)
                {
                    (sampleFamily, sampleType) = (family, type);
                }
            }

            result.Add(new FlatSample(name, sampleFamily, sampleType, FlatSample.FormatLabels(labels), number, timestamp));
        }

        return result;
    }
}
