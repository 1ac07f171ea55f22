using System.Collections.Concurrent;
using Spectre.Console;

namespace InferenceGateway.Bench.Reporting;

/// <summary>
/// Progress on the console: Spectre.Console progress bars on an interactive terminal, plain lines otherwise
/// (redirected output, CI), so logs stay readable.
/// </summary>
internal static class ConsoleProgress
{
    public static bool Interactive =>
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> with a progress sink that fits the console.</summary>
    public static async Task<T> RunAsync<T>(Func<IBenchProgress, Task<T>> work, TextWriter plainOut)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!Interactive)
        {
            return await work(new PlainProgress(plainOut)).ConfigureAwait(false);
        }

        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context => result = await work(new SpectreProgress(context)).ConfigureAwait(false))
            .ConfigureAwait(false);
        return result;
    }

    private sealed class PlainProgress(TextWriter output) : IBenchProgress
    {
        public void Start(string task) => output.WriteLine("running " + task);

        public void Update(string task, double fraction)
        {
        }

        public void Done(string task, string summary) => output.WriteLine($"done    {task}: {summary}");
    }

    private sealed class SpectreProgress(ProgressContext context) : IBenchProgress
    {
        private readonly ConcurrentDictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

        public void Start(string task) => _tasks[task] = context.AddTask(Markup.Escape(task), maxValue: 1.0);

        public void Update(string task, double fraction)
        {
            if (_tasks.TryGetValue(task, out var t))
            {
                t.Value = fraction;
            }
        }

        public void Done(string task, string summary)
        {
            if (_tasks.TryGetValue(task, out var t))
            {
                t.Value = 1.0;
                t.Description = Markup.Escape(task + ": " + summary);
            }
        }
    }
}
