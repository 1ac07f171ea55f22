using System.Text;
using InferenceGateway.Core.Metrics;

namespace InferenceGateway.Core.Tests.Metrics;

public class PrometheusTextParserTests
{
    [Fact]
    public void ParseAll_HelpTypeAndSamples_ReturnsTypedSamplesAndMetadata()
    {
        var text = "# HELP http_requests_total The total number of HTTP requests.\n" +
                   "# TYPE http_requests_total counter\n" +
                   "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n" +
                   "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n";

        var document = PrometheusTextParser.ParseAll(text);

        Assert.Empty(document.Problems);
        Assert.Equal(2, document.Samples.Count);
        var first = document.Samples[0];
        Assert.Equal("http_requests_total", first.Name);
        Assert.Equal(PrometheusMetricType.Counter, first.Type);
        Assert.Equal("post", first.GetLabel("method"));
        Assert.Equal("200", first.GetLabel("code"));
        Assert.Equal(1027, first.Value);
        Assert.Equal(1395066363000, first.TimestampMs);
        Assert.Equal(3, document.Samples[1].Value);
        Assert.Equal(PrometheusMetricType.Counter, document.Types["http_requests_total"]);
        Assert.Equal("The total number of HTTP requests.", document.Help["http_requests_total"]);
    }

    [Fact]
    public void ParseAll_LabelEscapes_AreUnescaped()
    {
        var text = "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n";

        var document = PrometheusTextParser.ParseAll(text);

        Assert.Empty(document.Problems);
        var sample = Assert.Single(document.Samples);
        Assert.Equal("C:\\DIR\\FILE.TXT", sample.GetLabel("path"));
        Assert.Equal("Cannot find file:\n\"FILE.TXT\"", sample.GetLabel("error"));
        Assert.Equal(1.458255915e9, sample.Value);
    }

    [Theory]
    [InlineData("NaN", double.NaN)]
    [InlineData("nan", double.NaN)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("-infinity", double.NegativeInfinity)]
    [InlineData("1e-3", 0.001)]
    [InlineData("-12.5E+2", -1250)]
    [InlineData("+7", 7)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5)]
    public void ParseAll_SpecialAndExponentValues_Parse(string token, double expected)
    {
        var document = PrometheusTextParser.ParseAll($"m {token}\n");

        Assert.Empty(document.Problems);
        Assert.Equal(expected, Assert.Single(document.Samples).Value);
    }

    [Fact]
    public void ParseAll_CrlfBlankLinesCommentsAndNoTrailingNewline_AreHandled()
    {
        var text = "# just a comment\r\n\r\n   \r\n\tm1 1\r\n# TYPE m2 gauge\r\nm2{a=\"x\"} 2\r\n  # indented comment\r\nm3 3";

        var document = PrometheusTextParser.ParseAll(text);

        Assert.Empty(document.Problems);
        Assert.Equal(["m1", "m2", "m3"], document.Samples.Select(s => s.Name));
        Assert.Equal("x", document.Samples[1].GetLabel("a"));
        Assert.Equal(3, document.Samples[2].Value);
    }

    [Fact]
    public void ParseAll_MetricNamesWithColons_Parse()
    {
        var document = PrometheusTextParser.ParseAll("vllm:num_requests_waiting{model_name=\"m\"} 4\n:leading:colon 1\n");

        Assert.Empty(document.Problems);
        Assert.Equal("vllm:num_requests_waiting", document.Samples[0].Name);
        Assert.Equal(":leading:colon", document.Samples[1].Name);
    }

    [Fact]
    public void ParseAll_HistogramAndSummarySuffixes_BelongToTheirFamily()
    {
        var text = "# TYPE h histogram\n" +
                   "h_bucket{le=\"0.1\"} 1\n" +
                   "h_bucket{le=\"+Inf\"} 3\n" +
                   "h_sum 0.7\n" +
                   "h_count 3\n" +
                   "h_other 9\n" +
                   "# TYPE s summary\n" +
                   "s{quantile=\"0.5\"} 0.2\n" +
                   "s_sum 1\n" +
                   "s_count 5\n" +
                   "s_bucket 1\n";

        var document = PrometheusTextParser.ParseAll(text);

        Assert.Empty(document.Problems);
        var byName = document.Samples.ToLookup(s => s.Name);
        Assert.All(byName["h_bucket"], s => Assert.Equal(("h", PrometheusMetricType.Histogram), (s.FamilyName, s.Type)));
        Assert.Equal(("h", PrometheusMetricType.Histogram), (byName["h_sum"].Single().FamilyName, byName["h_sum"].Single().Type));
        Assert.Equal(("h", PrometheusMetricType.Histogram), (byName["h_count"].Single().FamilyName, byName["h_count"].Single().Type));
        Assert.Equal(("h_other", PrometheusMetricType.Untyped), (byName["h_other"].Single().FamilyName, byName["h_other"].Single().Type));
        Assert.Equal(("s", PrometheusMetricType.Summary), (byName["s"].Single().FamilyName, byName["s"].Single().Type));
        Assert.Equal(("s", PrometheusMetricType.Summary), (byName["s_count"].Single().FamilyName, byName["s_count"].Single().Type));
        Assert.Equal(("s_bucket", PrometheusMetricType.Untyped), (byName["s_bucket"].Single().FamilyName, byName["s_bucket"].Single().Type));
    }

    [Fact]
    public void ParseAll_DuplicateSeries_ReportsAndKeepsTheLater()
    {
        var text = "m{a=\"1\",b=\"2\"} 1\nm{b=\"2\",a=\"1\"} 5\nm{a=\"1\"} 7\n";

        var document = PrometheusTextParser.ParseAll(text);

        var problem = Assert.Single(document.Problems);
        Assert.Equal(2, problem.Line);
        Assert.Contains("duplicate series", problem.Reason, StringComparison.Ordinal);
        Assert.Equal([5.0, 7.0], document.Samples.Select(s => s.Value));
    }

    [Fact]
    public void ParseAll_BlanksInsideLabelSetAndTrailingComma_AreAccepted()
    {
        var document = PrometheusTextParser.ParseAll("m{ a = \"1\" ,\tb=\"2\", } 3\nn{} 4\n");

        Assert.Empty(document.Problems);
        Assert.Equal("1", document.Samples[0].GetLabel("a"));
        Assert.Equal("2", document.Samples[0].GetLabel("b"));
        Assert.Empty(document.Samples[1].Labels);
    }

    [Fact]
    public void Parse_VisitorDeclinesSeries_OnlyWantedSamplesAreVisited()
    {
        var visitor = new OnlyVisitor("wanted"u8.ToArray());
        var text = "unwanted{a=\"broken 1\nwanted{x=\"y\"} 2\nunwanted 3\n"u8.ToArray();

        var problems = PrometheusTextParser.Parse(text, ref visitor);

        Assert.Equal(0, problems);
        Assert.Equal(1, visitor.Count);
        Assert.Equal(2, visitor.Sum);
    }

    [Fact]
    public void Parse_Utf8LabelValues_RoundTrip()
    {
        var document = PrometheusTextParser.ParseAll(Encoding.UTF8.GetBytes("m{name=\"Grüße 漢字 🚀\"} 1\n"));

        Assert.Equal("Grüße 漢字 🚀", Assert.Single(document.Samples).GetLabel("name"));
    }

    [Fact]
    public void Parse_LabelEquals_ComparesUnescapedValue()
    {
        var visitor = new LabelProbe();
        var text = "m{a=\"x\\\"y\",b=\"plain\"} 1\n"u8.ToArray();

        PrometheusTextParser.Parse(text, ref visitor);

        Assert.True(visitor.EscapedMatches);
        Assert.True(visitor.PlainMatches);
        Assert.False(visitor.MissingMatches);
    }

    private struct OnlyVisitor(byte[] name) : IPrometheusSampleVisitor
    {
        public int Count;
        public double Sum;

        public readonly bool WantsSeries(ReadOnlySpan<byte> seriesName, ReadOnlySpan<byte> familyName) => seriesName.SequenceEqual(name);

        public void OnSample(in PrometheusSample sample)
        {
            Count++;
            Sum += sample.Value;
        }

        public readonly void OnType(ReadOnlySpan<byte> familyName, PrometheusMetricType type)
        {
        }

        public readonly void OnHelp(ReadOnlySpan<byte> familyName, ReadOnlySpan<byte> escapedText)
        {
        }
    }

    private sealed class LabelProbe : IPrometheusSampleVisitor
    {
        public bool EscapedMatches { get; private set; }

        public bool PlainMatches { get; private set; }

        public bool MissingMatches { get; private set; }

        public bool WantsSeries(ReadOnlySpan<byte> name, ReadOnlySpan<byte> familyName) => true;

        public void OnSample(in PrometheusSample sample)
        {
            EscapedMatches = sample.LabelEquals("a"u8, "x\"y"u8);
            PlainMatches = sample.LabelEquals("b"u8, "plain"u8);
            MissingMatches = sample.LabelEquals("c"u8, "plain"u8);
        }

        public void OnType(ReadOnlySpan<byte> familyName, PrometheusMetricType type)
        {
        }

        public void OnHelp(ReadOnlySpan<byte> familyName, ReadOnlySpan<byte> escapedText)
        {
        }
    }
}
