using Xunit;

namespace InferenceGateway.TestSupport;

/// <summary>Waits for a condition with a deadline (never a fixed sleep), failing with a message that says what did not happen.</summary>
public static class Wait
{
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(30);

    /// <summary>Re-checks <paramref name="condition"/> every 10 ms until it holds; fails with <paramref name="what"/> after the deadline.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var limit = deadline ?? DefaultDeadline;
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

    /// <summary>The same for an asynchronous condition (e.g. a gRPC call); each check must finish before the next.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var limit = deadline ?? DefaultDeadline;
        using var cancel = new CancellationTokenSource(limit);
        while (!await condition())
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
