namespace InferenceGateway.TestSupport;

/// <summary>A fresh temporary folder for configuration files, deleted on dispose.</summary>
public sealed class TempConfigFolder : IDisposable
{
    public TempConfigFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ig-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string PathOf(string fileName) => System.IO.Path.Combine(Path, fileName);

    /// <summary>Writes the file the way editors do: a temporary file, then an atomic rename over the target.</summary>
    public string WriteAtomically(string fileName, string content)
    {
        var target = PathOf(fileName);
        var temporary = PathOf("." + fileName + "." + Guid.NewGuid().ToString("N") + ".tmp");
        File.WriteAllText(temporary, content);
        File.Move(temporary, target, overwrite: true);
        return target;
    }

    public void Delete(string fileName) => File.Delete(PathOf(fileName));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a watcher may still hold the folder open for a moment.
        }
    }
}
