using System.Text;

namespace InferenceGateway.Core.Metrics;

/// <summary>Metric family type from a <c># TYPE</c> line; samples without one are <see cref="Untyped"/>.</summary>
internal enum PrometheusMetricType
{
    Untyped,
    Counter,
    Gauge,
    Histogram,
    Summary,
}

/// <summary>A line the parser skipped, and why. Line numbers start at 1.</summary>
internal readonly record struct PrometheusProblem(int Line, string Reason)
{
    public override string ToString() => $"line {Line}: {Reason}";
}

/// <summary>Where one label sits inside its line (offsets relative to the line start).</summary>
internal readonly record struct PrometheusLabelRange(int NameStart, int NameLength, int ValueStart, int ValueLength, bool HasEscapes);

/// <summary>
/// One sample line, valid only during the visitor callback: every span points into the parsed buffer. Label
/// values are kept raw (escaped) and unescaped only when asked for, so filters that compare values do not allocate.
/// </summary>
internal readonly ref struct PrometheusSample
{
    private readonly ReadOnlySpan<byte> _line;
    private readonly ReadOnlySpan<PrometheusLabelRange> _labels;

    public PrometheusSample(
        ReadOnlySpan<byte> line,
        ReadOnlySpan<byte> name,
        ReadOnlySpan<byte> familyName,
        PrometheusMetricType type,
        ReadOnlySpan<PrometheusLabelRange> labels,
        double value,
        long? timestampMs,
        int lineNumber)
    {
        _line = line;
        Name = name;
        FamilyName = familyName;
        Type = type;
        _labels = labels;
        Value = value;
        TimestampMs = timestampMs;
        LineNumber = lineNumber;
    }

    /// <summary>The series name as written, e.g. <c>vllm:e2e_request_latency_seconds_bucket</c>.</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The family the sample belongs to: the <c># TYPE</c> name for histogram/summary suffix series, else the name.</summary>
    public ReadOnlySpan<byte> FamilyName { get; }

    public PrometheusMetricType Type { get; }

    public double Value { get; }

    /// <summary>Milliseconds since the Unix epoch, when the line carried a timestamp.</summary>
    public long? TimestampMs { get; }

    public int LineNumber { get; }

    public int LabelCount => _labels.Length;

    public ReadOnlySpan<byte> GetLabelName(int index) => _line.Slice(_labels[index].NameStart, _labels[index].NameLength);

    /// <summary>The label value with escapes (\\, \", \n) resolved. Allocates a string.</summary>
    public string GetLabelValue(int index)
    {
        var range = _labels[index];
        var raw = _line.Slice(range.ValueStart, range.ValueLength);
        return range.HasEscapes ? PrometheusEscaping.UnescapeLabelValue(raw) : Encoding.UTF8.GetString(raw);
    }

    /// <summary>Index of the label with this name, or -1.</summary>
    public int IndexOfLabel(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < _labels.Length; i++)
        {
            if (_line.Slice(_labels[i].NameStart, _labels[i].NameLength).SequenceEqual(name))
            {
                return i;
            }
        }

        return -1;
    }

    public bool TryGetLabelValue(ReadOnlySpan<byte> name, out string value)
    {
        var index = IndexOfLabel(name);
        if (index < 0)
        {
            value = string.Empty;
            return false;
        }

        value = GetLabelValue(index);
        return true;
    }

    /// <summary>True when the label exists and its unescaped value equals <paramref name="expected"/> (UTF-8). No allocation for plain values.</summary>
    public bool LabelEquals(ReadOnlySpan<byte> name, ReadOnlySpan<byte> expected)
    {
        var index = IndexOfLabel(name);
        if (index < 0)
        {
            return false;
        }

        var range = _labels[index];
        var raw = _line.Slice(range.ValueStart, range.ValueLength);
        if (!range.HasEscapes)
        {
            return raw.SequenceEqual(expected);
        }

        return Encoding.UTF8.GetBytes(PrometheusEscaping.UnescapeLabelValue(raw)).AsSpan().SequenceEqual(expected);
    }
}

/// <summary>Receives the samples of a parse. Implement as a struct or a class; the parser is generic over it.</summary>
internal interface IPrometheusSampleVisitor
{
    /// <summary>
    /// Called with each sample's series name and family before its labels and value are parsed. Return false to skip
    /// the line cheaply: skipped lines are not validated further, so their problems are not reported.
    /// </summary>
    bool WantsSeries(ReadOnlySpan<byte> name, ReadOnlySpan<byte> familyName);

    void OnSample(in PrometheusSample sample);

    /// <summary>A <c># TYPE</c> line with a valid name and type.</summary>
    void OnType(ReadOnlySpan<byte> familyName, PrometheusMetricType type);

    /// <summary>A <c># HELP</c> line; the docstring is still escaped (see <see cref="PrometheusEscaping.UnescapeHelp"/>).</summary>
    void OnHelp(ReadOnlySpan<byte> familyName, ReadOnlySpan<byte> escapedText);
}
