namespace InferenceGateway.FunctionalTests.Infrastructure;

/// <summary>
/// Polls a condition on a real process until it holds or the deadline passes. Unlike TestSupport's
/// <c>Wait.UntilAsync</c>, a transient RPC/HTTP error counts as "not yet" (the process may still be starting or
/// reloading), and the failure message is built at the deadline so it can carry the process output.
/// </summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> message)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or HttpRequestException or TaskCanceledException)
            {
                // not up yet
            }

            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail("Timed out waiting: " + message());
            }

            await Task.Delay(50);
        }
    }
}
