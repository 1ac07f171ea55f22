using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace InferenceGateway.Core.Metrics;

/// <summary>Caps that keep a hostile or broken exposition from costing unbounded memory or time.</summary>
internal sealed record PrometheusParseLimits
{
    public static PrometheusParseLimits Default { get; } = new();

    /// <summary>Longer lines are reported and skipped.</summary>
    public int MaxLineBytes { get; init; } = 1 << 20;

    /// <summary>A sample with more labels is reported and skipped.</summary>
    public int MaxLabelsPerSample { get; init; } = 256;

    /// <summary>Problems kept in the list; later ones are only counted.</summary>
    public int MaxProblems { get; init; } = 100;
}

/// <summary>
/// Parser for the Prometheus text exposition format 0.0.4 over UTF-8 bytes. Single pass, no regex, culture-invariant,
/// no allocation per sample (label values are unescaped only on demand). It never throws on bad input: a bad line is
/// skipped and reported as a <see cref="PrometheusProblem"/>, and parsing continues with the next line.
/// </summary>
internal static class PrometheusTextParser
{
    private const NumberStyles FloatStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>Parses <paramref name="text"/>, handing every wanted sample to <paramref name="visitor"/>.</summary>
    /// <param name="problems">Receives up to <see cref="PrometheusParseLimits.MaxProblems"/> problems; may be null.</param>
    /// <returns>The number of problems found (including those beyond the list's cap).</returns>
    public static int Parse<TVisitor>(
        ReadOnlySpan<byte> text,
        ref TVisitor visitor,
        List<PrometheusProblem>? problems = null,
        PrometheusParseLimits? limits = null)
        where TVisitor : IPrometheusSampleVisitor
    {
        limits ??= PrometheusParseLimits.Default;
        var state = new ParserState(problems, limits);
        var labels = ArrayPool<PrometheusLabelRange>.Shared.Rent(16);
        try
        {
            var position = 0;
            var lineNumber = 0;
            while (position < text.Length)
            {
                lineNumber++;
                var newline = text[position..].IndexOf((byte)'\n');
                var lineEnd = newline < 0 ? text.Length : position + newline;
                var line = text[position..lineEnd];
                position = newline < 0 ? text.Length : lineEnd + 1;
                if (line.Length > 0 && line[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }

                if (line.Length > limits.MaxLineBytes)
                {
                    state.Report(lineNumber, $"line is longer than {limits.MaxLineBytes} bytes");
                    continue;
                }

                ParseLine(line, lineNumber, ref visitor, ref state, ref labels);
            }
        }
        finally
        {
            ArrayPool<PrometheusLabelRange>.Shared.Return(labels);
        }

        return state.ProblemCount;
    }

    /// <summary>Parses everything into a materialised document (tests, tools, the validate command). Allocates.</summary>
    public static PrometheusDocument ParseAll(ReadOnlySpan<byte> text, PrometheusParseLimits? limits = null)
    {
        var collector = new PrometheusDocumentBuilder();
        var problems = new List<PrometheusProblem>();
        var count = Parse(text, ref collector, problems, limits);
        return collector.Build(problems, count, limits ?? PrometheusParseLimits.Default);
    }

    public static PrometheusDocument ParseAll(string text, PrometheusParseLimits? limits = null) =>
        ParseAll(Encoding.UTF8.GetBytes(text), limits);

    private static void ParseLine<TVisitor>(
        ReadOnlySpan<byte> line,
        int lineNumber,
        ref TVisitor visitor,
        ref ParserState state,
        ref PrometheusLabelRange[] labels)
        where TVisitor : IPrometheusSampleVisitor
    {
        var i = SkipBlanks(line, 0);
        if (i == line.Length)
        {
            return;
        }

        if (line[i] == (byte)'#')
        {
            ParseComment(line, i + 1, lineNumber, ref visitor, ref state);
            return;
        }

        var nameStart = i;
        if (!IsMetricNameStart(line[i]))
        {
            state.Report(lineNumber, $"invalid metric name starting with '{Snippet(line[i..])}'");
            return;
        }

        i = ScanMetricName(line, i);
        if (i < line.Length && !IsBlank(line[i]) && line[i] != (byte)'{')
        {
            state.Report(lineNumber, $"invalid character in metric name '{Snippet(line[nameStart..])}'");
            return;
        }

        var name = line[nameStart..i];
        var type = ResolveFamily(name, state.CurrentFamily, state.CurrentType, out var familyLength);
        var family = name[..familyLength];
        if (!visitor.WantsSeries(name, family))
        {
            return;
        }

        i = SkipBlanks(line, i);
        var labelCount = 0;
        if (i < line.Length && line[i] == (byte)'{')
        {
            var error = ParseLabels(line, ref i, ref labels, ref labelCount, state.Limits.MaxLabelsPerSample);
            if (error is not null)
            {
                state.Report(lineNumber, error);
                return;
            }

            i = SkipBlanks(line, i);
        }

        if (i == line.Length)
        {
            state.Report(lineNumber, $"missing value for '{Snippet(name)}'");
            return;
        }

        var valueStart = i;
        i = ScanToken(line, i);
        if (!TryParseValue(line[valueStart..i], out var value))
        {
            state.Report(lineNumber, $"invalid value '{Snippet(line[valueStart..i])}'");
            return;
        }

        long? timestamp = null;
        i = SkipBlanks(line, i);
        if (i < line.Length)
        {
            var timestampStart = i;
            i = ScanToken(line, i);
            if (!long.TryParse(line[timestampStart..i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ts))
            {
                state.Report(lineNumber, $"invalid timestamp '{Snippet(line[timestampStart..i])}'");
                return;
            }

            timestamp = ts;
            i = SkipBlanks(line, i);
            if (i < line.Length)
            {
                state.Report(lineNumber, $"unexpected text after the timestamp '{Snippet(line[i..])}'");
                return;
            }
        }

        var labelSpan = labels.AsSpan(0, labelCount);
        var typeError = CheckTypeRules(line, name, familyLength, type, labelSpan);
        if (typeError is not null)
        {
            state.Report(lineNumber, typeError);
            return;
        }

        visitor.OnSample(new PrometheusSample(line, name, family, type, labelSpan, value, timestamp, lineNumber));
    }

    private static void ParseComment<TVisitor>(
        ReadOnlySpan<byte> line,
        int start,
        int lineNumber,
        ref TVisitor visitor,
        ref ParserState state)
        where TVisitor : IPrometheusSampleVisitor
    {
        var i = SkipBlanks(line, start);
        var keywordStart = i;
        i = ScanToken(line, i);
        var keyword = line[keywordStart..i];
        var isHelp = keyword.SequenceEqual("HELP"u8);
        var isType = !isHelp && keyword.SequenceEqual("TYPE"u8);
        if (!isHelp && !isType)
        {
            return; // a plain comment
        }

        i = SkipBlanks(line, i);
        var nameStart = i;
        if (i == line.Length || !IsMetricNameStart(line[i]))
        {
            state.Report(lineNumber, $"{(isHelp ? "HELP" : "TYPE")} line without a valid metric name");
            if (isType)
            {
                state.ClearType();
            }

            return;
        }

        i = ScanMetricName(line, i);
        if (i < line.Length && !IsBlank(line[i]))
        {
            state.Report(lineNumber, $"invalid character in metric name '{Snippet(line[nameStart..])}'");
            if (isType)
            {
                state.ClearType();
            }

            return;
        }

        var name = line[nameStart..i];
        i = SkipBlanks(line, i);
        if (isHelp)
        {
            var help = line[i..];
            var escapeError = CheckHelpEscapes(help);
            if (escapeError is not null)
            {
                state.Report(lineNumber, escapeError);
                return;
            }

            visitor.OnHelp(name, help);
            return;
        }

        var typeStart = i;
        i = ScanToken(line, i);
        var typeWord = line[typeStart..i];
        if (SkipBlanks(line, i) != line.Length || !TryParseType(typeWord, out var type))
        {
            state.Report(lineNumber, $"unknown metric type '{Snippet(line[typeStart..])}'");
            state.ClearType();
            return;
        }

        state.SetType(name, type);
        visitor.OnType(name, type);
    }

    private static string? ParseLabels(
        ReadOnlySpan<byte> line,
        ref int i,
        ref PrometheusLabelRange[] labels,
        ref int count,
        int maxLabels)
    {
        i++; // '{'
        while (true)
        {
            i = SkipBlanks(line, i);
            if (i >= line.Length)
            {
                return "unterminated label set (missing '}')";
            }

            if (line[i] == (byte)'}')
            {
                i++;
                return null;
            }

            if (!IsLabelNameStart(line[i]))
            {
                return $"invalid label name starting with '{Snippet(line[i..])}'";
            }

            var nameStart = i;
            i++;
            while (i < line.Length && IsLabelNameChar(line[i]))
            {
                i++;
            }

            var nameLength = i - nameStart;
            i = SkipBlanks(line, i);
            if (i >= line.Length || line[i] != (byte)'=')
            {
                return $"expected '=' after label name '{Snippet(line.Slice(nameStart, nameLength))}'";
            }

            i = SkipBlanks(line, i + 1);
            if (i >= line.Length || line[i] != (byte)'"')
            {
                return $"label value of '{Snippet(line.Slice(nameStart, nameLength))}' is not quoted";
            }

            i++;
            var valueStart = i;
            var hasEscapes = false;
            while (i < line.Length && line[i] != (byte)'"')
            {
                if (line[i] == (byte)'\\')
                {
                    if (i + 1 >= line.Length)
                    {
                        break;
                    }

                    var next = line[i + 1];
                    if (next != (byte)'\\' && next != (byte)'"' && next != (byte)'n')
                    {
                        return $"invalid escape sequence '\\{(char)next}' in label value";
                    }

                    hasEscapes = true;
                    i += 2;
                    continue;
                }

                i++;
            }

            if (i >= line.Length)
            {
                return "unterminated label value (missing closing quote)";
            }

            var value = line[valueStart..i];
            i++; // closing quote
            if (!Utf8.IsValid(value))
            {
                return $"label value of '{Snippet(line.Slice(nameStart, nameLength))}' is not valid UTF-8";
            }

            var labelName = line.Slice(nameStart, nameLength);
            for (var k = 0; k < count; k++)
            {
                if (line.Slice(labels[k].NameStart, labels[k].NameLength).SequenceEqual(labelName))
                {
                    return $"duplicate label name '{Snippet(labelName)}'";
                }
            }

            if (count == maxLabels)
            {
                return $"more than {maxLabels} labels";
            }

            if (count == labels.Length)
            {
                var bigger = ArrayPool<PrometheusLabelRange>.Shared.Rent(labels.Length * 2);
                labels.AsSpan(0, count).CopyTo(bigger);
                ArrayPool<PrometheusLabelRange>.Shared.Return(labels);
                labels = bigger;
            }

            labels[count++] = new PrometheusLabelRange(nameStart, nameLength, valueStart, value.Length, hasEscapes);
            i = SkipBlanks(line, i);
            if (i < line.Length && line[i] == (byte)',')
            {
                i++;
                continue;
            }

            if (i < line.Length && line[i] == (byte)'}')
            {
                i++;
                return null;
            }

            return i >= line.Length ? "unterminated label set (missing '}')" : $"expected ',' or '}}' in label set, found '{Snippet(line[i..])}'";
        }
    }

    /// <summary>Histogram buckets need a numeric le; summary quantiles need a numeric quantile.</summary>
    private static string? CheckTypeRules(
        ReadOnlySpan<byte> line,
        ReadOnlySpan<byte> name,
        int familyLength,
        PrometheusMetricType type,
        ReadOnlySpan<PrometheusLabelRange> labels)
    {
        ReadOnlySpan<byte> required;
        if (type == PrometheusMetricType.Histogram && name[familyLength..].SequenceEqual("_bucket"u8))
        {
            required = "le"u8;
        }
        else if (type == PrometheusMetricType.Summary && familyLength == name.Length)
        {
            required = "quantile"u8;
        }
        else
        {
            return null;
        }

        foreach (var label in labels)
        {
            if (line.Slice(label.NameStart, label.NameLength).SequenceEqual(required))
            {
                return TryParseValue(line.Slice(label.ValueStart, label.ValueLength), out _)
                    ? null
                    : $"{Encoding.ASCII.GetString(required)} label is not a number";
            }
        }

        return $"{(type == PrometheusMetricType.Histogram ? "histogram bucket" : "summary quantile")} without a '{Encoding.ASCII.GetString(required)}' label";
    }

    /// <summary>Family of a sample: the current TYPE's name when the sample is that family or one of its suffix series.</summary>
    private static PrometheusMetricType ResolveFamily(
        ReadOnlySpan<byte> name,
        ReadOnlySpan<byte> family,
        PrometheusMetricType familyType,
        out int familyLength)
    {
        familyLength = name.Length;
        if (family.IsEmpty || !name.StartsWith(family))
        {
            return PrometheusMetricType.Untyped;
        }

        var suffix = name[family.Length..];
        if (suffix.IsEmpty)
        {
            return familyType;
        }

        var isSuffixSeries = familyType switch
        {
            PrometheusMetricType.Histogram => suffix.SequenceEqual("_bucket"u8) || suffix.SequenceEqual("_sum"u8) || suffix.SequenceEqual("_count"u8),
            PrometheusMetricType.Summary => suffix.SequenceEqual("_sum"u8) || suffix.SequenceEqual("_count"u8),
            _ => false,
        };
        if (!isSuffixSeries)
        {
            return PrometheusMetricType.Untyped;
        }

        familyLength = family.Length;
        return familyType;
    }

    /// <summary>Go's ParseFloat spellings of the special values (case-insensitive), then a plain invariant number.</summary>
    internal static bool TryParseValue(ReadOnlySpan<byte> token, out double value)
    {
        if (token.IsEmpty || token.Length > 64)
        {
            value = 0;
            return false;
        }

        var first = token[0];
        if (first is (byte)'N' or (byte)'n' or (byte)'I' or (byte)'i' or (byte)'+' or (byte)'-')
        {
            var unsigned = first is (byte)'+' or (byte)'-' ? token[1..] : token;
            if (Ascii.EqualsIgnoreCase(unsigned, "inf"u8) || Ascii.EqualsIgnoreCase(unsigned, "infinity"u8))
            {
                value = first == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            }

            if (unsigned.Length == token.Length && Ascii.EqualsIgnoreCase(token, "nan"u8))
            {
                value = double.NaN;
                return true;
            }
        }

        // Only digits, sign, point and exponent reach double.TryParse, so it cannot accept other spellings.
        foreach (var b in token)
        {
            if (!(b is >= (byte)'0' and <= (byte)'9' or (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-'))
            {
                value = 0;
                return false;
            }
        }

        return double.TryParse(token, FloatStyle, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryParseType(ReadOnlySpan<byte> word, out PrometheusMetricType type)
    {
        type = word switch
        {
            _ when word.SequenceEqual("counter"u8) => PrometheusMetricType.Counter,
            _ when word.SequenceEqual("gauge"u8) => PrometheusMetricType.Gauge,
            _ when word.SequenceEqual("histogram"u8) => PrometheusMetricType.Histogram,
            _ when word.SequenceEqual("summary"u8) => PrometheusMetricType.Summary,
            _ when word.SequenceEqual("untyped"u8) => PrometheusMetricType.Untyped,
            _ => (PrometheusMetricType)(-1),
        };
        return (int)type >= 0;
    }

    private static string? CheckHelpEscapes(ReadOnlySpan<byte> help)
    {
        var i = help.IndexOf((byte)'\\');
        while (i >= 0)
        {
            if (i + 1 >= help.Length || (help[i + 1] != (byte)'\\' && help[i + 1] != (byte)'n'))
            {
                return "invalid escape sequence in HELP text";
            }

            var next = help[(i + 2)..].IndexOf((byte)'\\');
            i = next < 0 ? -1 : i + 2 + next;
        }

        return Utf8.IsValid(help) ? null : "HELP text is not valid UTF-8";
    }

    private static int ScanMetricName(ReadOnlySpan<byte> line, int i)
    {
        i++;
        while (i < line.Length && IsMetricNameChar(line[i]))
        {
            i++;
        }

        return i;
    }

    private static int ScanToken(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && !IsBlank(line[i]))
        {
            i++;
        }

        return i;
    }

    private static int SkipBlanks(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && IsBlank(line[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t';

    private static bool IsLabelNameStart(byte b) => b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'_';

    private static bool IsLabelNameChar(byte b) => IsLabelNameStart(b) || b is >= (byte)'0' and <= (byte)'9';

    private static bool IsMetricNameStart(byte b) => IsLabelNameStart(b) || b == (byte)':';

    private static bool IsMetricNameChar(byte b) => IsLabelNameChar(b) || b == (byte)':';

    /// <summary>A short, printable excerpt of bad input for a problem message.</summary>
    private static string Snippet(ReadOnlySpan<byte> bytes)
    {
        const int Max = 40;
        var length = Math.Min(bytes.Length, Max);
        var chars = new char[length + (bytes.Length > Max ? 3 : 0)];
        for (var i = 0; i < length; i++)
        {
            var b = bytes[i];
            chars[i] = b is >= 0x20 and < 0x7F ? (char)b : '?';
        }

        if (bytes.Length > Max)
        {
            chars[length] = '.';
            chars[length + 1] = '.';
            chars[length + 2] = '.';
        }

        return new string(chars);
    }

    /// <summary>Mutable parse state kept on the stack: problem sink and the current TYPE declaration.</summary>
    private struct ParserState(List<PrometheusProblem>? problems, PrometheusParseLimits limits)
    {
        private byte[]? _familyName;
        private int _familyLength;

        public int ProblemCount { get; private set; }

        public PrometheusMetricType CurrentType { get; private set; }

        public readonly PrometheusParseLimits Limits => limits;

        public void Report(int line, string reason)
        {
            ProblemCount++;
            if (problems is not null && problems.Count < limits.MaxProblems)
            {
                problems.Add(new PrometheusProblem(line, reason));
            }
        }

        // The family name is copied: TYPE names are few, and the copy keeps the state independent of line spans.
        public void SetType(ReadOnlySpan<byte> name, PrometheusMetricType type)
        {
            if (_familyName is null || _familyName.Length < name.Length)
            {
                _familyName = new byte[Math.Max(64, name.Length)];
            }

            name.CopyTo(_familyName);
            _familyLength = name.Length;
            CurrentType = type;
        }

        public void ClearType()
        {
            _familyLength = 0;
            CurrentType = PrometheusMetricType.Untyped;
        }

        public readonly ReadOnlySpan<byte> CurrentFamily => _familyName is null ? default : _familyName.AsSpan(0, _familyLength);
    }
}
