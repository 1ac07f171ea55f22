using InferenceGateway.Api.Cli;

namespace InferenceGateway.Api.Tests;

/// <summary>`inference-gateway validate` run in-process: exit codes and output lines.</summary>
public sealed class ValidateHandlerTests : IDisposable
{
    private const string ValidPool = "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: InferencePool\nmetadata:\n  name: p\nspec:\n  selector: {app: vllm}\n  targetPortNumber: 8000\n";

    private readonly string _folder = Directory.CreateTempSubdirectory("ig-validate-").FullName;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Run_AllValid_ExitZeroAndOneSummaryLine()
    {
        var file = Write("pool.yaml", ValidPool + "---\n" + ValidPool.Replace("name: p", "name: q", StringComparison.Ordinal));

        var exit = Run(file);

        Assert.Equal(0, exit);
        Assert.Equal(["OK: 2 documents in 1 file valid"], Lines(_output));
        Assert.Empty(_error.ToString());
    }

    [Fact]
    public void Run_SomeInvalid_ExitOneAndOneLinePerErrorWithFileDocumentPathRule()
    {
        var file = Fixture.Path("files", "one-bad-document.yaml");

        var exit = Run(file);

        Assert.Equal(1, exit);
        var lines = Lines(_output);
        Assert.Equal(4, lines.Count);
        Assert.Equal($"{file}: document 2 (InferenceModel broken): spec.criticality: Unsupported value: \"High\": supported values: \"Critical\", \"Default\", \"Sheddable\"", lines[0]);
        Assert.Equal($"{file}: document 2 (InferenceModel broken): spec.targetModels[0].weight: Invalid value: 1000001: spec.targetModels[0].weight in body should be less than or equal to 1000000", lines[1]);
        Assert.Equal($"{file}: document 2 (InferenceModel broken): spec.poolRef: Required value", lines[2]);
        Assert.Equal("3 errors in 1 of 3 documents (1 file)", lines[3]);
    }

    [Fact]
    public void Run_MissingFile_ExitTwo()
    {
        var exit = Run(Path.Combine(_folder, "nope.yaml"));

        Assert.Equal(2, exit);
        Assert.Contains("no such file or directory", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NotUtf8_ExitTwo()
    {
        var file = Path.Combine(_folder, "latin1.yaml");
        File.WriteAllBytes(file, [.. "metadata:\n  name: caf"u8, 0xe9, (byte)'\n']);

        var exit = Run(file);

        Assert.Equal(2, exit);
        Assert.Contains("not UTF-8 text", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoPaths_ExitTwoWithUsage()
    {
        var exit = Run();

        Assert.Equal(2, exit);
        Assert.Contains("no files given", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_BinaryFile_ExitTwo()
    {
        var file = Path.Combine(_folder, "image.yaml");
        File.WriteAllBytes(file, [0x00, 0x01, 0x02, 0x00]);

        Assert.Equal(2, Run(file));
    }

    [Fact]
    public void Run_UnreadableAndInvalid_UnreadableWinsButErrorsStillPrinted()
    {
        var bad = Write("bad.yaml", ValidPool.Replace("8000", "0", StringComparison.Ordinal));

        var exit = Run(bad, Path.Combine(_folder, "missing.yaml"));

        Assert.Equal(2, exit);
        Assert.Contains("spec.targetPortNumber: Invalid value: 0", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Folder_ReadsYamlYmlJsonRecursivelyAndSkipsOthers()
    {
        Write("a.yaml", ValidPool);
        Write("nested/b.yml", ValidPool);
        File.Copy(Fixture.Path("files", "model.json"), Path.Combine(_folder, "nested", "c.json"));
        Write("notes.txt", "not a manifest");

        var exit = Run(_folder);

        Assert.Equal(0, exit);
        Assert.Equal(["OK: 3 documents in 3 files valid"], Lines(_output));
    }

    [Fact]
    public void Run_FolderWithAnInvalidFile_ExitOne()
    {
        Write("a.yaml", ValidPool);
        Write("b.yaml", ValidPool.Replace("kind: InferencePool", "kind: InferencePools", StringComparison.Ordinal));

        var exit = Run(_folder);

        Assert.Equal(1, exit);
        Assert.Contains("no matches for kind \"InferencePools\"", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_EmptyFolder_ExitTwo()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;

        Assert.Equal(2, Run(empty));
    }

    [Fact]
    public void Run_InvalidYamlSyntax_ExitOneWithLineAndColumn()
    {
        var file = Write("broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n");

        var exit = Run(file);

        Assert.Equal(1, exit);
        Assert.StartsWith($"{file}: document 1: invalid YAML at line ", Lines(_output)[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Run_FixtureRulesFolder_ExitOneAndEveryInvalidFixtureReported()
    {
        var exit = Run(Fixture.Path("rules"));

        Assert.Equal(1, exit);
        var output = _output.ToString();
        foreach (var file in Directory.GetFiles(Fixture.Path("rules"), "*.invalid.yaml"))
        {
            Assert.Contains(file + ": document 1", output, StringComparison.Ordinal);
        }

        foreach (var file in Directory.GetFiles(Fixture.Path("rules"), "*.valid.yaml"))
        {
            Assert.DoesNotContain(file + ":", output, StringComparison.Ordinal);
        }
    }

    private int Run(params string[] paths) => ValidateHandler.Run(paths, _output, _error);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static List<string> Lines(StringWriter writer) => [.. writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)];
}
