using InferenceGateway.Api.Serialization;

namespace InferenceGateway.Api.Cli;

/// <summary>
/// `inference-gateway validate FILE...`: reads files (folders: every .yaml, .yml and .json below them) and reports
/// every error, one per line (file, document, field path, rule). Lives here rather than in the CLI so tests can
/// run it in-process.
/// </summary>
internal static class ValidateHandler
{
    public const int ExitValid = 0;
    public const int ExitInvalid = 1;
    public const int ExitUnreadable = 2;

    private static readonly string[] ManifestExtensions = [".yaml", ".yml", ".json"];

    /// <summary>Returns 0 when all documents are valid, 1 when some are invalid, 2 when some input cannot be read.</summary>
    public static int Run(IReadOnlyList<string> paths, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            error.WriteLine("validate: no files given (usage: inference-gateway validate FILE_OR_FOLDER...)");
            return ExitUnreadable;
        }

        var unreadable = false;
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = FindManifests(path, error, ref unreadable);
                if (found.Count == 0 && !unreadable)
                {
                    error.WriteLine($"{path}: no .yaml, .yml or .json files in this folder");
                    unreadable = true;
                }

                files.AddRange(found);
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                error.WriteLine($"{path}: no such file or directory");
                unreadable = true;
            }
        }

        var documents = 0;
        var errors = 0;
        var invalidDocuments = new HashSet<(string, int)>();
        var readFiles = 0;
        foreach (var file in files)
        {
            ManifestReadResult result;
            try
            {
                result = ManifestReader.ReadFile(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"{file}: cannot read: {e.Message}");
                unreadable = true;
                continue;
            }

            readFiles++;
            documents += result.DocumentCount;
            foreach (var problem in result.Errors)
            {
                output.WriteLine(problem.ToString());
                invalidDocuments.Add((problem.Source, problem.DocumentIndex));
                errors++;
            }
        }

        if (errors > 0)
        {
            output.WriteLine($"{errors} {Plural(errors, "error")} in {invalidDocuments.Count} of {documents} {Plural(documents, "document")} ({readFiles} {Plural(readFiles, "file")})");
        }
        else if (!unreadable)
        {
            output.WriteLine($"OK: {documents} {Plural(documents, "document")} in {readFiles} {Plural(readFiles, "file")} valid");
        }

        return unreadable ? ExitUnreadable : errors > 0 ? ExitInvalid : ExitValid;
    }

    private static List<string> FindManifests(string folder, TextWriter error, ref bool unreadable)
    {
        var result = new List<string>();
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false }))
            {
                foreach (var extension in ManifestExtensions)
                {
                    if (file.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
                    {
                        result.Add(file);
                        break;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{folder}: cannot read: {e.Message}");
            unreadable = true;
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static string Plural(int count, string word) => count == 1 ? word : word + "s";
}
