using InferenceGateway.Api.Crds;

namespace InferenceGateway.Api.Cli;

/// <summary>`inference-gateway crds [--output DIR]`: prints the generated CRDs, or writes one file per CRD.</summary>
internal static class CrdsHandler
{
    public static int Run(string? outputDirectory, TextWriter output, TextWriter error)
    {
        if (outputDirectory is null)
        {
            output.Write(CrdGenerator.GenerateYaml());
            return 0;
        }

        try
        {
            Directory.CreateDirectory(outputDirectory);
            foreach (var crd in CrdGenerator.Generate())
            {
                var path = Path.Combine(outputDirectory, crd.FileName);
                File.WriteAllText(path, crd.Yaml);
                output.WriteLine($"wrote {path}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{outputDirectory}: cannot write: {e.Message}");
            return 2;
        }

        return 0;
    }
}
