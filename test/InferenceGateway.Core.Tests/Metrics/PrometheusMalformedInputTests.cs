using System.Text;
using InferenceGateway.Core.Metrics;

namespace InferenceGateway.Core.Tests.Metrics;

/// <summary>Every kind of line, broken: the parser must not throw, must report the line, and must keep the good ones.</summary>
public class PrometheusMalformedInputTests
{
    public static TheoryData<string, string> BrokenLines => new()
    {
        { "bad number", "foo abc" },
        { "two decimal points", "foo 1.2.3" },
        { "dangling exponent", "foo 1.5e" },
        { "hex float", "foo 0x1p3" },
        { "comma decimal", "foo 1,5" },
        { "NaN with suffix", "foo NaNa" },
        { "Inf with suffix", "foo Infinityx" },
        { "missing value", "foo" },
        { "missing value after labels", "foo{a=\"b\"}" },
        { "unterminated label set", "foo{a=\"b\" 1" },
        { "unterminated label set at end", "foo{" },
        { "unterminated label quote", "foo{a=\"b} 1" },
        { "backslash at end of value", "foo{a=\"b\\" },
        { "unquoted label value", "foo{a=b} 1" },
        { "missing equals", "foo{a\"b\"} 1" },
        { "label name starts with digit", "foo{1a=\"b\"} 1" },
        { "duplicate label name", "foo{a=\"b\",a=\"c\"} 1" },
        { "invalid escape", "foo{a=\"\\x\"} 1" },
        { "missing comma between labels", "foo{a=\"b\" c=\"d\"} 1" },
        { "bad timestamp", "foo 1 abc" },
        { "fractional timestamp", "foo 1 1.5" },
        { "timestamp overflow", "foo 1 99999999999999999999999" },
        { "extra token", "foo 1 2 3" },
        { "name starts with digit", "3foo 1" },
        { "dash in name", "foo-bar 1" },
        { "no name", "{a=\"b\"} 1" },
        { "unknown type", "# TYPE foo bogus" },
        { "type with extra words", "# TYPE foo gauge extra" },
        { "type without name", "# TYPE" },
        { "type with bad name", "# TYPE 1foo gauge" },
        { "help without name", "# HELP" },
        { "help with bad escape", "# HELP foo bad \\x escape" },
    };

    [Theory]
    [MemberData(nameof(BrokenLines))]
    public void Parse_BrokenLine_ReportsItAndKeepsNeighbours(string kind, string line)
    {
        var text = Encoding.UTF8.GetBytes($"before 1\n{line}\nafter 2\n");

        var (samples, problems, count) = CollectingVisitor.Parse(text);

        Assert.True(count >= 1, $"{kind}: no problem reported");
        Assert.Equal(2, problems[0].Line);
        Assert.False(string.IsNullOrWhiteSpace(problems[0].Reason));
        Assert.Equal(["before", "after"], samples.Select(s => s.Name));
    }

    [Fact]
    public void Parse_GarbageBytes_ReportsAndContinues()
    {
        byte[] text = [.. "before 1\n"u8, 0xFF, 0xFE, 0x00, 0x80, (byte)' ', (byte)'1', (byte)'\n', .. "after 2\n"u8];

        var (samples, problems, _) = CollectingVisitor.Parse(text);

        Assert.Equal(2, Assert.Single(problems).Line);
        Assert.Equal(["before", "after"], samples.Select(s => s.Name));
    }

    [Fact]
    public void Parse_InvalidUtf8InLabelValue_IsReported()
    {
        byte[] text = [.. "m{a=\""u8, 0xC3, 0x28, .. "\"} 1\nok 1\n"u8];

        var (samples, problems, _) = CollectingVisitor.Parse(text);

        Assert.Contains("UTF-8", Assert.Single(problems).Reason, StringComparison.Ordinal);
        Assert.Equal("ok", Assert.Single(samples).Name);
    }

    [Fact]
    public void Parse_HugeLine_IsReportedAndSkipped()
    {
        var huge = "big{a=\"" + new string('x', 2 * 1024 * 1024) + "\"} 1";
        var text = Encoding.UTF8.GetBytes($"before 1\n{huge}\nafter 2\n");

        var (samples, problems, _) = CollectingVisitor.Parse(text);

        Assert.Contains("longer than", Assert.Single(problems).Reason, StringComparison.Ordinal);
        Assert.Equal(["before", "after"], samples.Select(s => s.Name));
    }

    [Fact]
    public void Parse_TooManyLabels_IsReported()
    {
        var labels = string.Join(",", Enumerable.Range(0, 20).Select(i => $"l{i}=\"v\""));
        var text = Encoding.UTF8.GetBytes($"m{{{labels}}} 1\n");

        var (samples, problems, _) = CollectingVisitor.Parse(text, new PrometheusParseLimits { MaxLabelsPerSample = 10 });

        Assert.Empty(samples);
        Assert.Contains("more than 10 labels", Assert.Single(problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HistogramBucketWithoutLe_IsReported()
    {
        var text = "# TYPE h histogram\nh_bucket{a=\"1\"} 1\nh_bucket{le=\"abc\"} 1\nh_bucket{le=\"1\"} 1\nh_sum 1\n"u8.ToArray();

        var (samples, problems, _) = CollectingVisitor.Parse(text);

        Assert.Equal([2, 3], problems.Select(p => p.Line));
        Assert.Equal(2, samples.Count);
    }

    [Fact]
    public void Parse_SummaryQuantileWithoutLabel_IsReported()
    {
        var text = "# TYPE s summary\ns 1\ns{quantile=\"0.9\"} 2\n"u8.ToArray();

        var (samples, problems, _) = CollectingVisitor.Parse(text);

        Assert.Equal(2, Assert.Single(problems).Line);
        Assert.Single(samples);
    }

    [Fact]
    public void Parse_ManyProblems_ListIsCappedButAllAreCounted()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("bad value\n", 500)));

        var (_, problems, count) = CollectingVisitor.Parse(text, new PrometheusParseLimits { MaxProblems = 10 });

        Assert.Equal(10, problems.Count);
        Assert.Equal(500, count);
    }

    [Fact]
    public void Parse_EveryPrefixOfARealExposition_NeverThrows()
    {
        var golden = GoldenFiles.Read("vllm-0.10.txt");

        for (var length = 0; length <= golden.Length; length += 7)
        {
            var (samples, _, _) = CollectingVisitor.Parse(golden[..length]);
            Assert.True(samples.Count <= 200);
        }
    }
}
