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
        var poolGroup = new Option<string>("--pool-group") { Description = "API group of the InferencePool: inference.networking.x-k8s.io (the seed's) or inference.networking.k8s.io (v1)", DefaultValueFactory = _ => KubernetesSourceOptions.ExperimentalGroup };
        var poolVersion = new Option<string?>("--pool-version") { Description = "Version in inference.networking.x-k8s.io: v1alpha1 (default) or v1alpha2" };
        var endpointSelector = new Option<string?>("--endpoint-selector") { Description = "Pool-less mode: serve the pods of --pool-namespace matching this label selector (app=vllm,tier=gpu), without an InferencePool" };
        var endpointPorts = new Option<string?>("--endpoint-target-ports") { Description = "Pool-less mode: the model-server ports of every selected pod, comma separated (each is its own endpoint)" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "A kubeconfig file (default: in-cluster service account)" };
        var leaderElection = new Option<bool>("--ha-enable-leader-election") { Description = "Elect a leader (Lease) among replicas; only the leader writes status" };
        var emitEvents = new Option<bool>("--emit-events") { Description = "Kubernetes source: the leader reports its decisions (and leader election) as events.k8s.io Events; --emit-events=false sends none", DefaultValueFactory = _ => true };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "0.0.0.0" };
        var grpcPort = new Option<int>("--grpc-port") { Description = "ext_proc port (0 = any free port; the bound address is printed)", DefaultValueFactory = _ => 9002 };
        var healthPort = new Option<int>("--grpc-health-port") { Description = "gRPC health port", DefaultValueFactory = _ => 9003 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Prometheus /metrics port", DefaultValueFactory = _ => 9090 };
        var destinationHeader = new Option<string>("--destination-header") { Description = "Header (and envoy.lb metadata key) carrying the picked endpoint", DefaultValueFactory = _ => ExtProcOptions.DefaultDestinationHeader };
        var primaryOnly = new Option<bool>("--destination-primary-only") { Description = "Send only the primary endpoint, no fallbacks (ORIGINAL_DST clusters)" };
        var secureServing = new Option<bool>("--secure-serving") { Description = "Serve ext_proc over TLS with ALPN h2 (self-signed unless --cert-path); --secure-serving=false serves h2c", DefaultValueFactory = _ => true };
        var certPath = new Option<string?>("--cert-path") { Description = "Folder with tls.crt and tls.key for --secure-serving" };
        var certReload = new Option<bool>("--enable-cert-reload") { Description = "Serve a changed tls.crt/tls.key in --cert-path without a restart" };
        var schedulerConfig = new Option<string?>("--scheduler-config", "--config-file") { Description = "EndpointPickerConfig file (plugins and profiles)" };
        var schedulerConfigText = new Option<string?>("--config-text") { Description = "EndpointPickerConfig given inline, in lieu of --config-file" };
        var schedulerProfile = new Option<string?>("--scheduler-profile") { Description = "Profile to run: a built-in (default, prefill-cost, reference-default, seed-tree, random, round-robin, least-request) or one from --scheduler-config (default: the config's first, else default)" };
        var staleness = new Option<string>("--metrics-staleness-threshold") { Description = "Endpoint metrics older than this are unknown (e.g. 2s, 500ms)", DefaultValueFactory = _ => "2s" };
        var maxBody = new Option<int?>("--max-request-body-bytes") { Description = "Largest request body accepted (larger: 413); default 64 MiB" };
        var metricsAuth = new Option<bool>("--metrics-endpoint-auth") { Description = "Kubernetes source: /metrics requires a bearer token allowed to get /metrics (TokenReview + SubjectAccessReview); off with --config", DefaultValueFactory = _ => true };
        var logLevel = new Option<string?>("--log-level") { Description = "trace | debug | information | warning | error (default warning)" };
        var verbosity = new Option<int?>("--v", "-v") { Description = "Log verbosity as the reference picker takes it: 1 warnings, 2 information, 3-4 debug, 5 trace" };
        var assumeFullDuplex = new Option<bool>("--assume-full-duplex") { Description = "Treat request and response bodies as FULL_DUPLEX_STREAMED when the gateway sends no protocol_config (Envoy 1.33)" };

        var command = new Command("epp", "Run the endpoint picker for Envoy (ext_proc gRPC, gRPC health, Prometheus metrics).");
        foreach (var option in new Option[] { config, poolName, poolNamespace, poolGroup, poolVersion, endpointSelector, endpointPorts, kubeconfig, leaderElection, emitEvents, host, grpcPort, healthPort, metricsPort, destinationHeader, primaryOnly, secureServing, certPath, certReload, schedulerConfig, schedulerConfigText, schedulerProfile, staleness, maxBody, metricsAuth, logLevel, verbosity, assumeFullDuplex })
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
                var selector = parseResult.GetValue(endpointSelector);
                if ((configPath is null) == (pool is null && selector is null))
                {
                    throw new ArgumentException("give exactly one source: --config PATH (files), or --pool-name NAME or --endpoint-selector LABELS (Kubernetes)");
                }

                KubernetesSourceOptions? kubernetes = null;
                if (configPath is null)
                {
                    var ns = parseResult.GetValue(poolNamespace)
                        ?? (Environment.GetEnvironmentVariable("NAMESPACE") is { Length: > 0 } env ? env : "default");
                    kubernetes = new KubernetesSourceOptions
                    {
                        PoolName = pool ?? "",
                        PoolNamespace = ns,
                        PoolGroup = parseResult.GetValue(poolGroup)!,
                        PoolVersion = parseResult.GetValue(poolVersion),
                        EndpointSelector = selector,
                        EndpointTargetPorts = ParsePorts(parseResult.GetValue(endpointPorts)),
                        KubeconfigPath = parseResult.GetValue(kubeconfig),
                        LeaderElection = new LeaderElectionOptions { Enabled = parseResult.GetValue(leaderElection) },
                        EmitEvents = parseResult.GetValue(emitEvents),
                    };
                    kubernetes.Validate();
                }

                var configFile = parseResult.GetValue(schedulerConfig);
                var configText = parseResult.GetValue(schedulerConfigText);
                if (configFile is not null && configText is not null)
                {
                    throw new ArgumentException("give the EndpointPickerConfig either as --config-file (--scheduler-config) or as --config-text, not both");
                }

                if (configText is not null && string.IsNullOrWhiteSpace(configText))
                {
                    throw new ArgumentException("--config-text is empty");
                }

                settings = new EppSettings
                {
                    ConfigPath = configPath,
                    Kubernetes = kubernetes,
                    ListenAddress = IPAddress.TryParse(parseResult.GetValue(host), out var address)
                        ? address
                        : throw new ArgumentException($"--host must be an IP address such as 0.0.0.0 or 127.0.0.1, got '{parseResult.GetValue(host)}'"),
                    GrpcPort = CheckPort("--grpc-port", parseResult.GetValue(grpcPort)),
                    HealthPort = CheckPort("--grpc-health-port", parseResult.GetValue(healthPort)),
                    MetricsPort = CheckPort("--metrics-port", parseResult.GetValue(metricsPort)),
                    DebugGcEndpoint = parseResult.GetValue(debugGc),
                    DestinationHeader = parseResult.GetValue(destinationHeader)!,
                    DestinationPrimaryOnly = parseResult.GetValue(primaryOnly),
                    SecureServing = parseResult.GetValue(secureServing),
                    CertificatePath = parseResult.GetValue(certPath),
                    EnableCertificateReload = parseResult.GetValue(certReload),
                    SchedulerConfigPath = configFile,
                    SchedulerConfigText = configText,
                    SchedulerProfile = parseResult.GetValue(schedulerProfile),
                    MetricsStalenessThreshold = ParseDuration(parseResult.GetValue(staleness)!),
                    MaxRequestBodyBytes = parseResult.GetValue(maxBody) is { } limit
                        ? (limit > 0 ? limit : throw new ArgumentException("--max-request-body-bytes must be positive"))
                        : null,
                    LogLevel = ResolveLogLevel(parseResult.GetValue(logLevel), parseResult.GetValue(verbosity)),
                    AssumeFullDuplex = parseResult.GetValue(assumeFullDuplex),
                    MetricsEndpointAuth = kubernetes is not null && parseResult.GetValue(metricsAuth),
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

    /// <summary>"8000,8001" as the reference takes --endpoint-target-ports.</summary>
    internal static List<int> ParsePorts(string? text)
    {
        var ports = new List<int>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return ports;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            ports.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                ? port
                : throw new ArgumentException($"--endpoint-target-ports: \"{part}\" is not a port number"));
        }

        return ports;
    }

    private static int CheckPort(string name, int port) =>
        port is >= 0 and <= 65535 ? port : throw new ArgumentException($"{name} must be in 0..65535, got {port}");

    /// <summary>
    /// The log level from <c>--log-level</c> and the reference picker's <c>-v</c> (its levels: 2 default, 3 verbose,
    /// 4 debug, 5 trace): 0-1 warning, 2 information, 3-4 debug, 5 and more trace. Both given: the more verbose wins.
    /// Neither: warning.
    /// </summary>
    internal static LogLevel ResolveLogLevel(string? logLevel, int? verbosity)
    {
        LogLevel? named = null;
        if (logLevel is not null)
        {
            named = logLevel.Trim().ToLowerInvariant() switch
            {
                "trace" => LogLevel.Trace,
                "debug" => LogLevel.Debug,
                "information" or "info" => LogLevel.Information,
                "warning" or "warn" => LogLevel.Warning,
                "error" => LogLevel.Error,
                "critical" => LogLevel.Critical,
                _ => throw new ArgumentException($"--log-level must be one of trace, debug, information, warning, error, critical; got '{logLevel}'"),
            };
        }

        LogLevel? fromVerbosity = verbosity switch
        {
            null => null,
            < 0 => throw new ArgumentException($"-v must be 0 or more, got {verbosity}"),
            <= 1 => LogLevel.Warning,
            2 => LogLevel.Information,
            <= 4 => LogLevel.Debug,
            _ => LogLevel.Trace,
        };

        return (named, fromVerbosity) switch
        {
            ({ } a, { } b) => a < b ? a : b,
            ({ } a, null) => a,
            (null, { } b) => b,
            _ => LogLevel.Warning,
        };
    }

    /// <summary>
    /// A Go duration as the reference picker's flags take it (<c>time.ParseDuration</c>): a sequence of decimal
    /// numbers, each with a unit ns, us (or µs), ms, s, m, h, such as 2s, 200ms, 1m30s, 1.5h. A bare number is read
    /// as seconds (a convenience Go does not offer). Must be positive.
    /// </summary>
    internal static TimeSpan ParseDuration(string text)
    {
        var value = text.Trim();
        if (value.Length > 0
            && double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var bare)
            && bare > 0)
        {
            return TimeSpan.FromSeconds(bare);
        }

        double ticks = 0;
        var i = 0;
        var any = false;
        while (i < value.Length)
        {
            var start = i;
            while (i < value.Length && (char.IsAsciiDigit(value[i]) || value[i] == '.'))
            {
                i++;
            }

            if (i == start || !double.TryParse(value.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                throw BadDuration(text);
            }

            var unitStart = i;
            while (i < value.Length && !char.IsAsciiDigit(value[i]) && value[i] != '.')
            {
                i++;
            }

            double ticksPerUnit = value.AsSpan(unitStart, i - unitStart) switch
            {
                "ns" => TimeSpan.TicksPerMicrosecond / 1000.0,
                "us" or "µs" or "μs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => throw BadDuration(text),
            };
            ticks += number * ticksPerUnit;
            any = true;
        }

        if (!any || ticks <= 0 || ticks > TimeSpan.MaxValue.Ticks)
        {
            throw BadDuration(text);
        }

        // Sub-tick durations (1ns) round up to one tick (100 ns): still "almost nothing", never zero.
        return TimeSpan.FromTicks(Math.Max(1, (long)Math.Round(ticks)));
    }

    private static ArgumentException BadDuration(string text) =>
        new($"--metrics-staleness-threshold must be a positive Go duration such as 2s, 200ms or 1m30s, got '{text}'");
}
