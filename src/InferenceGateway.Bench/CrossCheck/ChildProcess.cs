using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace InferenceGateway.Bench.CrossCheck;

/// <summary>How to start the `inference-gateway` CLI again as a child process.</summary>
internal sealed record CliLauncher(string FileName, IReadOnlyList<string> PrefixArguments)
{
    /// <summary>
    /// The CLI this process runs: <c>dotnet exec inference-gateway.dll</c> when started through the dotnet host,
    /// else the executable itself (apphost or single-file).
    /// </summary>
    public static CliLauncher ForCurrentProcess()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("the path of the running executable is unknown");
        var entry = Assembly.GetEntryAssembly()?.Location;
        return string.Equals(Path.GetFileNameWithoutExtension(path), "dotnet", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(entry)
            ? new CliLauncher(path, ["exec", entry])
            : new CliLauncher(path, []);
    }
}

/// <summary>
/// A child process whose stdout and stderr go to a log file; its first lines are kept to wait for one (a
/// "listening on" line) and its last lines to explain a failure. Dispose kills the whole process tree.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int HeadLines = 200;
    private const int TailLines = 40;

    private readonly Process _process;
    private readonly string _name;
    private readonly Lock _gate = new();
    private readonly List<string> _head = [];
    private readonly Queue<string> _tail = new();
    private readonly StreamWriter _log;
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ChildProcess(Process process, string name, StreamWriter log)
    {
        _process = process;
        _name = name;
        _log = log;
    }

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(CliLauncher cli, IReadOnlyList<string> arguments, string name, string logPath)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(cli.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in cli.PrefixArguments)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["NO_COLOR"] = "1";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        log.WriteLine("$ " + cli.FileName + " " + string.Join(' ', [.. cli.PrefixArguments, .. arguments]));
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, name, log);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            log.Dispose();
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for one of the first output lines to match; fails with the output's tail if the process exits or time runs out.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var seen = 0;
        while (true)
        {
            string[] lines;
            lock (_gate)
            {
                lines = [.. _head];
            }

            for (; seen < lines.Length; seen++)
            {
                var match = pattern.Match(lines[seen]);
                if (match.Success)
                {
                    return match;
                }
            }

            if (_process.HasExited)
            {
                throw new CrossCheckException($"{_name} exited with code {_process.ExitCode} before printing /{pattern}/:\n{Tail()}");
            }

            try
            {
                // The poll also notices an exit that printed nothing more.
                _ = await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200), linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new CrossCheckException($"{_name} printed no line matching /{pattern}/ within {timeout.TotalSeconds:F0} s:\n{Tail()}");
            }
        }
    }

    /// <summary>The last lines of output.</summary>
    public string Tail()
    {
        lock (_gate)
        {
            return string.Join('\n', _tail);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Never started, already gone, or left to the OS.
        }

        _process.Dispose();
        lock (_gate)
        {
            _log.Dispose();
        }

        _lineArrived.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_head.Count < HeadLines)
            {
                _head.Add(line);
            }

            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }

            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output after dispose (the kill races the reader).
            }
        }

        try
        {
            _lineArrived.Release();
        }
        catch (ObjectDisposedException)
        {
            // Same race.
        }
    }
}

/// <summary>The cross-check could not set up or run a cluster (a process failed to start, or never became ready).</summary>
internal sealed class CrossCheckException(string message) : Exception(message);
