using System.CommandLine;
using System.Globalization;
using System.Net;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Sources;
using InferenceGateway.ExtProc;
using InferenceGateway.Kubernetes;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Cli.Commands;

/// <summary>`inference-gateway epp`: the endpoint picker Envoy calls over ext_proc (flags follow the reference picker).</summary>
internal static class EppCommand
{
    internal static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Read pools, models and endpoints from this file or folder (instead of Kubernetes)" };
        var poolName = new Option<string?>("--pool-name") { Description = "The InferencePool to serve (Kubernetes source)" };
        var poolNamespace = new Option<string?>("--pool-namespace") { Description = "Namespace of the pool (default $NAMESPACE, else default)" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "A kubeconfig file (default: in-cluster service account)" };
        var leaderElection = new Option<bool>("--ha-enable-leader-election") { Description = "Elect a leader (Lease) among replicas; only the leader writes status" };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "0.0.0.0" };
        var grpcPort = new Option<int>("--grpc-port") { Description = "ext_proc port (0 = any free port; the bound address is printed)", DefaultValueFactory = _ => 9002 };
        var healthPort = new Option<int>("--grpc-health-port") { Description = "gRPC health port", DefaultValueFactory = _ => 9003 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Prometheus /metrics port", DefaultValueFactory = _ => 9090 };
        var destinationHeader = new Option<string>("--destination-header") { Description = "Header (and envoy.lb metadata key) carrying the picked endpoint", DefaultValueFactory = _ => ExtProcOptions.DefaultDestinationHeader };
        var primaryOnly = new Option<bool>("--destination-primary-only") { Description = "Send only the primary endpoint, no fallbacks (ORIGINAL_DST clusters)" };
        var secureServing = new Option<bool>("--secure-serving") { Description = "Serve ext_proc over TLS (self-signed unless --cert-path)" };
        var certPath = new Option<string?>("--cert-path") { Description = "Folder with tls.crt and tls.key for --secure-serving" };
        var schedulerConfig = new Option<string?>("--scheduler-config", "--config-file") { Description = "EndpointPickerConfig YAML (plugins and profiles)" };
        var schedulerProfile = new Option<string?>("--scheduler-profile") { Description = "Profile to run: a built-in (default, reference-default, seed-tree, random, round-robin, least-request) or one from --scheduler-config (default: the config's first, else default)" };
        var staleness = new Option<string>("--metrics-staleness-threshold") { Description = "Endpoint metrics older than this are unknown (e.g. 2s, 500ms)", DefaultValueFactory = _ => "2s" };
        var maxBody = new Option<int?>("--max-request-body-bytes") { Description = "Largest request body accepted (larger: 413); default 64 MiB" };
        var logLevel = new Option<string>("--log-level") { Description = "trace | debug | information | warning | error", DefaultValueFactory = _ => "warning" };

        var command = new Command("epp", "Run the endpoint picker for Envoy (ext_proc gRPC, gRPC health, Prometheus metrics).");
        foreach (var option in new Option[] { config, poolName, poolNamespace, kubeconfig, leaderElection, host, grpcPort, healthPort, metricsPort, destinationHeader, primaryOnly, secureServing, certPath, schedulerConfig, schedulerProfile, staleness, maxBody, logLevel })
        {
            command.Options.Add(option);
        }

        // Hidden and off by default: a leak test's hook (docs/cli.md, "epp debug flags").
        var debugGc = new Option<bool>("--debug-gc-endpoint") { Description = "Debug: POST /debug/gc on the metrics port forces a full GC and reports the heap", Hidden = true };
        command.Options.Add(debugGc);

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            EppSettings settings;
            try
            {
                var configPath = parseResult.GetValue(config);
                var pool = parseResult.GetValue(poolName);
                if ((configPath is null) == (pool is null))
                {
                    throw new ArgumentException("give exactly one source: --config PATH (files) or --pool-name NAME (Kubernetes)");
                }

                KubernetesSourceOptions? kubernetes = null;
                if (pool is not null)
                {
                    var ns = parseResult.GetValue(poolNamespace)
                        ?? (Environment.GetEnvironmentVariable("NAMESPACE") is { Length: > 0 } env ? env : "default");
                    kubernetes = new KubernetesSourceOptions
                    {
                        PoolName = pool,
                        PoolNamespace = ns,
                        KubeconfigPath = parseResult.GetValue(kubeconfig),
                        LeaderElection = new LeaderElectionOptions { Enabled = parseResult.GetValue(leaderElection) },
                    };
                    kubernetes.Validate();
                }

                settings = new EppSettings
                {
                    ConfigPath = configPath,
                    Kubernetes = kubernetes,
                    ListenAddress = IPAddress.Parse(parseResult.GetValue(host)!),
                    GrpcPort = CheckPort("--grpc-port", parseResult.GetValue(grpcPort)),
                    HealthPort = CheckPort("--grpc-health-port", parseResult.GetValue(healthPort)),
                    MetricsPort = CheckPort("--metrics-port", parseResult.GetValue(metricsPort)),
                    DebugGcEndpoint = parseResult.GetValue(debugGc),
                    DestinationHeader = parseResult.GetValue(destinationHeader)!,
                    DestinationPrimaryOnly = parseResult.GetValue(primaryOnly),
                    SecureServing = parseResult.GetValue(secureServing),
                    CertificatePath = parseResult.GetValue(certPath),
                    SchedulerConfigPath = parseResult.GetValue(schedulerConfig),
                    SchedulerProfile = parseResult.GetValue(schedulerProfile),
                    MetricsStalenessThreshold = ParseDuration(parseResult.GetValue(staleness)!),
                    MaxRequestBodyBytes = parseResult.GetValue(maxBody) is { } limit
                        ? (limit > 0 ? limit : throw new ArgumentException("--max-request-body-bytes must be positive"))
                        : null,
                    LogLevel = Enum.Parse<LogLevel>(parseResult.GetValue(logLevel)!, ignoreCase: true),
                };
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException)
            {
                await Console.Error.WriteLineAsync("epp: " + exception.Message).ConfigureAwait(false);
                return 2;
            }

            return await RunAsync(settings, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(EppSettings settings, CancellationToken cancellationToken)
    {
        EppHost host;
        try
        {
            host = EppHost.Create(settings);
        }
        catch (Exception exception) when (exception is SchedulerConfigException or InvalidOperationException or IOException)
        {
            await Console.Error.WriteLineAsync("epp: " + exception.Message).ConfigureAwait(false);
            return 1;
        }

        await using (host.ConfigureAwait(false))
        {
            try
            {
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ConfigurationLoadException exception)
            {
                await Console.Error.WriteLineAsync($"epp: the configuration is invalid ({exception.Result.Errors.Count} error(s)):").ConfigureAwait(false);
                foreach (var error in exception.Result.Errors)
                {
                    await Console.Error.WriteLineAsync("  " + error).ConfigureAwait(false);
                }

                return 1;
            }
            catch (Exception exception) when (exception is IOException or InvalidOperationException or SchedulerConfigException)
            {
                // Port in use, unreadable certificate, bad kubeconfig...
                await Console.Error.WriteLineAsync("epp: " + exception.Message).ConfigureAwait(false);
                return 1;
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            var listen = settings.ListenAddress.ToString();
            var bracketed = settings.ListenAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + listen + "]" : listen;
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"ext_proc listening on {bracketed}:{host.GrpcPort} ({(settings.SecureServing ? "TLS" : "h2c")})")).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"health listening on {bracketed}:{host.HealthPort}")).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"metrics listening on http://{bracketed}:{host.MetricsPort}/metrics")).ConfigureAwait(false);
            await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C / SIGTERM: stop accepting, let open streams finish within the host's shutdown timeout.
            }

            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return 0;
    }

    private static int CheckPort(string name, int port) =>
        port is >= 0 and <= 65535 ? port : throw new ArgumentException($"{name} must be in 0..65535, got {port}");

    /// <summary>Go-style durations as the reference picker takes them: 2s, 500ms, 1m; a bare number is seconds.</summary>
    internal static TimeSpan ParseDuration(string text)
    {
        var value = text.Trim();
        (string Suffix, double Factor)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, factor) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(value.AsSpan(0, value.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && number > 0)
            {
                return TimeSpan.FromSeconds(number * factor);
            }
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        throw new ArgumentException($"--metrics-staleness-threshold must be a positive duration like 2s or 500ms, got '{text}'");
    }
}
