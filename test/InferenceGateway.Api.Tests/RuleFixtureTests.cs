using InferenceGateway.Api.Serialization;

namespace InferenceGateway.Api.Tests;

/// <summary>
/// One fixture per validation rule and side: Fixtures/rules/NAME.valid.yaml must read without errors,
/// NAME.invalid.yaml must report exactly the errors its `# expect: PATH: MESSAGE` header lines list
/// (a trailing "..." makes the line a prefix).
/// </summary>
public sealed class RuleFixtureTests
{
    public static TheoryData<string> ValidFixtures => List(".valid.yaml");

    public static TheoryData<string> InvalidFixtures => List(".invalid.yaml");

    [Theory]
    [MemberData(nameof(ValidFixtures))]
    public void ReadFile_ValidFixture_OneDocumentNoErrors(string name)
    {
        var result = ManifestReader.ReadFile(Fixture.Path("rules", name));

        Assert.Empty(result.Errors);
        Assert.Single(result.Documents);
    }

    [Theory]
    [MemberData(nameof(InvalidFixtures))]
    public void ReadFile_InvalidFixture_ReportsExactlyTheExpectedErrors(string name)
    {
        var path = Fixture.Path("rules", name);
        var expected = File.ReadLines(path).Where(l => l.StartsWith("# expect: ", StringComparison.Ordinal)).Select(l => l["# expect: ".Length..]).ToList();

        var result = ManifestReader.ReadFile(path);

        Assert.Empty(result.Documents);
        var actual = result.Errors.Select(e => e.FieldPath.Length == 0 ? e.Message : $"{e.FieldPath}: {e.Message}").ToList();
        foreach (var line in expected)
        {
            var match = actual.FindIndex(a => line.EndsWith("...", StringComparison.Ordinal) ? a.StartsWith(line[..^3], StringComparison.Ordinal) : a == line);
            Assert.True(match >= 0, $"expected error not reported:\n  {line}\nreported:\n  {string.Join("\n  ", actual)}");
            actual.RemoveAt(match);
        }

        Assert.True(actual.Count == 0, $"unexpected errors:\n  {string.Join("\n  ", actual)}");
        Assert.All(result.Errors, e => Assert.Equal(path, e.Source));
    }

    [Fact]
    public void Fixtures_EveryRuleHasBothSides_ManyCasesPresent()
    {
        // Guards against the theories above silently enumerating nothing (e.g. fixtures not copied).
        Assert.True(ValidFixtures.Count >= 35, $"only {ValidFixtures.Count} valid fixtures");
        Assert.True(InvalidFixtures.Count >= 70, $"only {InvalidFixtures.Count} invalid fixtures");
        foreach (var file in Directory.GetFiles(Fixture.Path("rules"), "*.invalid.yaml"))
        {
            Assert.Contains("# expect: ", File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    private static TheoryData<string> List(string suffix)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Fixture.Path("rules"), "*" + suffix).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }
}
