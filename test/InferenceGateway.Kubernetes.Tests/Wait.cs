namespace InferenceGateway.Kubernetes.Tests;

internal static class Wait
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Re-checks <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after the deadline.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var limit = deadline ?? Deadline;
        using var cancel = new CancellationTokenSource(limit);
        while (!condition())
        {
            try
            {
                await Task.Delay(10, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"timed out after {limit.TotalSeconds}s waiting until {what}");
            }
        }
    }
}
