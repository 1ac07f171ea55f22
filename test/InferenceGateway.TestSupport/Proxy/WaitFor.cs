using Xunit;

namespace InferenceGateway.TestSupport;

/// <summary>Waits for a condition with a deadline (no fixed sleeps), failing with the given message.</summary>
public static class WaitFor
{
    public static async Task ConditionAsync(Func<bool> condition, string message, TimeSpan? timeout = null)
    {
        var deadline = Environment.TickCount64 + (long)(timeout ?? TimeSpan.FromSeconds(20)).TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"Timed out waiting: {message}");
            }

            await Task.Delay(10);
        }
    }
}
