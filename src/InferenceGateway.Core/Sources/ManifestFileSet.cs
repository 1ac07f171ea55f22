using System.IO.Hashing;
using System.Text;
using InferenceGateway.Api.Core;
using InferenceGateway.Api.Local;
using InferenceGateway.Api.Serialization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Core.Datastore;

namespace InferenceGateway.Core.Sources;

/// <summary>
/// One read of the configuration path: the manifest files (a single file, or every *.yaml, *.yml and *.json
/// directly in a folder, in ordinal order), the resources they hold, every error, and a fingerprint of what was
/// read so that unchanged input can be recognised without rebuilding.
/// </summary>
internal sealed record ManifestFileSet(
    IReadOnlyList<string> Files,
    SnapshotInputs Inputs,
    IReadOnlyList<string> Errors,
    ulong Fingerprint)
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static bool IsManifestFile(string path)
    {
        foreach (var extension in Extensions)
        {
            if (path.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The cheap half of a read: lists and reads the files and fingerprints names, contents and I/O errors. The
    /// periodic check stops here when the fingerprint has not changed.
    /// </summary>
    public static RawManifestFiles ReadRaw(string path)
    {
        var hash = new XxHash64();
        var errors = new List<string>();
        var paths = new List<string>();
        if (Directory.Exists(path))
        {
            try
            {
                foreach (var file in Directory.EnumerateFiles(path))
                {
                    if (IsManifestFile(file))
                    {
                        paths.Add(file);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{path}: cannot list the folder: {e.Message}");
            }

            paths.Sort(StringComparer.Ordinal);
            if (paths.Count == 0 && errors.Count == 0)
            {
                errors.Add($"{path}: the folder contains no .yaml, .yml or .json files");
            }
        }
        else if (File.Exists(path))
        {
            paths.Add(path);
        }
        else
        {
            errors.Add($"{path}: no such file or folder");
        }

        var files = new List<(string Path, string Text)>(paths.Count);
        foreach (var file in paths)
        {
            Append(hash, file);
            try
            {
                var text = File.ReadAllText(file);
                Append(hash, text);
                files.Add((file, text));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Also covers a file deleted between listing and reading.
                errors.Add($"{file}: cannot read: {e.Message}");
            }
        }

        foreach (var error in errors)
        {
            Append(hash, error); // a different failure (e.g. the file now missing) is a change worth reporting
        }

        return new RawManifestFiles(paths, files, errors, hash.GetCurrentHashAsUInt64());
    }

    /// <summary>The expensive half: parses, validates and sorts the documents by kind.</summary>
    public static ManifestFileSet Parse(RawManifestFiles raw)
    {
        var errors = new List<string>(raw.Errors);
        var documents = new List<ManifestDocument>();
        foreach (var (file, text) in raw.Contents)
        {
            ManifestReadResult result;
            try
            {
                result = ManifestReader.Read(text, file);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The reader reports problems as errors; should it throw anyway, that is one more error, not a
                // reason to stop watching or to drop the configuration in force.
                errors.Add($"{file}: cannot read the manifests: {e.GetType().Name}: {e.Message}");
                continue;
            }

            documents.AddRange(result.Documents);
            foreach (var error in result.Errors)
            {
                errors.Add(error.ToString());
            }
        }

        var inputs = Sort(documents, errors);
        return new(raw.Files, inputs, errors, raw.Fingerprint);
    }

    private static void Append(XxHash64 hash, string text)
    {
        hash.Append(Encoding.UTF8.GetBytes(text));
        hash.Append([0]);
    }

    private static SnapshotInputs Sort(List<ManifestDocument> documents, List<string> errors)
    {
        var used = new List<KubernetesObject>(documents.Count);
        var seen = new Dictionary<(string Group, string Kind, ObjectKey Key), ManifestDocument>();
        foreach (var document in documents)
        {
            var resource = document.Object;
            var kind = resource.GetType().Name;
            if (!IsUsed(resource))
            {
                errors.Add($"{document.Source}: document {document.DocumentIndex + 1}: {kind} is not used by the file source");
                continue;
            }

            // Versions of one group are one object in a cluster (a v1alpha1 and a v1alpha2 pool of the same name
            // clash); the v1 pool lives in another group and is another object.
            var key = SnapshotBuilder.KeyOf(resource);
            var identity = (GroupOf(resource), kind, key);
            if (!seen.TryAdd(identity, document))
            {
                // In a cluster the second would silently replace the first; in files it is almost surely a mistake.
                var first = seen[identity];
                errors.Add($"{document.Source}: document {document.DocumentIndex + 1}: {kind} {key} is already defined in {first.Source} document {first.DocumentIndex + 1}");
                continue;
            }

            used.Add(resource);
        }

        return SnapshotInputs.FromResources(used);
    }

    private static bool IsUsed(KubernetesObject resource) => resource is Pod or StaticEndpoints
        or Api.V1Alpha1.InferencePool or Api.V1Alpha1.InferenceModel
        or Api.V1Alpha2.InferencePool or Api.V1Alpha2.InferenceModel or Api.V1Alpha2.InferenceObjective or Api.V1Alpha2.InferenceModelRewrite
        or Api.V1.InferencePool;

    /// <summary>Only InferencePool exists in two groups; every other kind is told apart by its type name alone.</summary>
    private static string GroupOf(KubernetesObject resource) => PoolConverter.IsPool(resource) ? PoolConverter.GroupOf(resource) : "";
}

/// <summary>The files under the configuration path as text, before parsing.</summary>
internal sealed record RawManifestFiles(
    IReadOnlyList<string> Files,
    IReadOnlyList<(string Path, string Text)> Contents,
    IReadOnlyList<string> Errors,
    ulong Fingerprint);
