using System.Text.Json.Nodes;

namespace InferenceGateway.Kubernetes.Tests;

/// <summary>The test-side Helm renderer follows Go template semantics where the chart relies on them.</summary>
public sealed class HelmTemplateRendererTests
{
    private static readonly JsonObject Chart = new() { ["name"] = "c", ["version"] = "1.0.0", ["appVersion"] = "2.0" };

    [Fact]
    public void Render_TrimMarkers_RemoveWhitespaceOnTheirSideOnly()
    {
        var output = Render("a:\n  {{- \" b\" }}\nc: {{ \"d\" -}}  \n  e", "{}");

        Assert.Equal("a: b\nc: de", output);
    }

    [Fact]
    public void Render_RangeOverMap_VisitsKeysInOrderAndRangeElseRunsWhenEmpty()
    {
        var output = Render("{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}|{{ range .Values.empty }}x{{ else }}none{{ end }}", """{"m":{"b":2,"a":"1"},"empty":[]}""");

        Assert.Equal("a=1;b=2;|none", output);
    }

    [Fact]
    public void Render_IfElseIfElse_TakesTheFirstTrueBranch()
    {
        const string Template = "{{ if eq .Values.p \"x\" }}X{{ else if .Values.n }}N{{ else }}E{{ end }}";

        Assert.Equal("X", Render(Template, """{"p":"x","n":0}"""));
        Assert.Equal("N", Render(Template, """{"p":"y","n":3}"""));
        Assert.Equal("E", Render(Template, """{"p":"y","n":0}"""));
    }

    [Fact]
    public void Render_AssignmentInsideRange_UpdatesTheOuterVariable()
    {
        var output = Render("{{- $all := list }}{{- range .Values.ports }}{{- $all = append $all (.number | int) }}{{- end }}{{ len $all }} {{ len (uniq $all) }}", """{"ports":[{"number":1},{"number":"2"},{"number":1}]}""");

        Assert.Equal("3 2", output);
    }

    [Fact]
    public void Render_FieldOfParenthesisedValue_DiffersFromASeparateArgument()
    {
        Assert.Equal("8000", Render("{{ (index .Values.ports 0).number }}", """{"ports":[{"number":8000}]}"""));
        Assert.Equal("true", Render("{{ or (gt (.Values.n | int) 1) .Values.flag }}", """{"n":1,"flag":true}"""));
    }

    [Fact]
    public void Render_ToYamlWithNindent_IndentsABlock()
    {
        var output = Render("r:{{- toYaml .Values.r | nindent 2 }}", """{"r":{"limits":{"memory":"2Gi"},"list":[{"a":1,"b":"x y"}]}}""");

        // Strings that could read as other types (or hold spaces) are quoted; both forms are the same YAML.
        Assert.Equal("r:\n  limits:\n    memory: \"2Gi\"\n  list:\n    - a: 1\n      b: \"x y\"", output);
    }

    [Fact]
    public void Render_Fail_ThrowsTheChartsMessage()
    {
        var failure = Assert.Throws<HelmFailException>(() => Render("{{ if .Values.bad }}{{ fail (printf \"bad %s\" .Values.bad) }}{{ end }}", """{"bad":"value"}"""));

        Assert.Equal("bad value", failure.Message);
    }

    [Theory]
    [InlineData("{{ .Values.missing.field }}")]
    [InlineData("{{ .Values.m }}")]
    [InlineData("{{ sha256sum .Values.m }}")]
    [InlineData("{{ include \"x\" . }}")]
    [InlineData("{{ if .Values.m }}unclosed")]
    public void Render_WhatHelmWouldRejectOrTheRendererDoesNotKnow_Throws(string template)
    {
        Assert.Throws<InvalidOperationException>(() => Render(template, """{"m":{"a":1}}"""));
    }

    private static string Render(string template, string values) =>
        HelmTemplateRenderer.Render(template, JsonNode.Parse(values)!.AsObject(), Chart, "r", "ns");
}
