namespace InferenceGateway.Api.Tests;

/// <summary>Paths of the fixture files copied next to the test assembly.</summary>
internal static class Fixture
{
    public static string Root { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Text(params string[] parts) => File.ReadAllText(Path(parts));
}
