using System.CommandLine;
using System.Globalization;
using InferenceGateway.Core;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Sources;
using InferenceGateway.Proxy.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InferenceGateway.Cli.Commands;

/// <summary>
/// `inference-gateway serve`: the standalone OpenAI-compatible gateway. The datastore is fed by the file source
/// (--config) or by the embedded quickstart; router, scheduler, admission and metrics scraping come from
/// AddInferenceGatewayCore; the proxy (public + admin listeners) from GatewayServer.
/// </summary>
internal static class ServeCommand
{
    private const string GatewaySection = "InferenceGateway:Gateway:";

    internal static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Manifest file or folder (InferencePool, InferenceModel, Pod, StaticEndpoints), watched and reloaded. Without it: the embedded quickstart" };
        var port = new Option<int?>("--port") { Description = "Public (OpenAI API) port, 0 = any free port (default 8080, or InferenceGateway__Gateway__Port)" };
        var adminPort = new Option<int?>("--admin-port") { Description = "Admin port for /metrics, /health, /ready (default 9090, or InferenceGateway__Gateway__AdminPort)" };
        var host = new Option<string?>("--host") { Description = "Address to listen on: * (all interfaces, default) or an IP address such as 127.0.0.1" };
        var poolName = new Option<string?>("--pool-name") { Description = "With --config: the InferencePool to serve when the files define several" };
        var poolNamespace = new Option<string?>("--pool-namespace") { Description = "With --config: namespace of --pool-name" };
        var schedulerConfig = new Option<string?>("--scheduler-config") { Description = "EndpointPickerConfig YAML (plugins and scheduling profiles), as epp takes it" };
        var schedulerProfile = new Option<string?>("--scheduler-profile") { Description = "Profile to run: a built-in (default, prefill-cost, reference-default, seed-tree, random, round-robin, least-request) or one from --scheduler-config (default: the config's first, else default)" };

        var command = new Command("serve", "Run the standalone OpenAI-compatible gateway (the endpoint picker inside a reverse proxy). Without --config: a quickstart with simulated servers.");
        foreach (var option in new Option[] { config, port, adminPort, host, poolName, poolNamespace, schedulerConfig, schedulerProfile })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
            AddIfGiven(settings, "Port", parseResult.GetValue(port));
            AddIfGiven(settings, "AdminPort", parseResult.GetValue(adminPort));
            if (parseResult.GetValue(host) is { } listen)
            {
                settings[GatewaySection + "ListenAddress"] = listen;
            }

            var configPath = parseResult.GetValue(config);
            if (configPath is null && (parseResult.GetValue(poolName) is not null || parseResult.GetValue(poolNamespace) is not null))
            {
                await Console.Error.WriteLineAsync("serve: --pool-name and --pool-namespace need --config").ConfigureAwait(false);
                return 2;
            }

            var scheduling = new SchedulingChoice(parseResult.GetValue(schedulerConfig), parseResult.GetValue(schedulerProfile));
            return await RunAsync(settings, configPath, parseResult.GetValue(poolName), parseResult.GetValue(poolNamespace), scheduling, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(
        Dictionary<string, string?> settings, string? configPath, string? poolName, string? poolNamespace, SchedulingChoice scheduling, CancellationToken cancellationToken)
    {
        ServeQuickstart? quickstart = null;
        try
        {
            var builder = GatewayServer.CreateBuilder([]);
            // Only the flags given: appsettings.json and InferenceGateway__Gateway__* environment variables still apply.
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            // The banner below says where the gateway listens; the host's own start-up lines would repeat it.
            builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

            if (configPath is not null)
            {
                builder.Services.AddFileConfigurationSource(configPath, poolName, poolNamespace);
            }
            else
            {
                quickstart = await ServeQuickstart.StartAsync(
                    logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning),
                    cancellationToken).ConfigureAwait(false);
                var datastore = new InMemoryDatastore();
                datastore.Publish(quickstart.BuildSnapshot());
                builder.Services.TryAddSingleton(datastore);
                builder.Services.TryAddSingleton<IDatastore>(datastore);
            }

            builder.Services.AddInferenceGatewayCore(scheduling: scheduler =>
            {
                scheduler.ConfigPath = scheduling.ConfigPath;
                scheduler.Profile = scheduling.Profile;
            });
            builder.Services.AddSingleton<GatewayRequestMetrics>();
            builder.Services.AddSingleton<IRequestObserver>(sp => sp.GetRequiredService<GatewayRequestMetrics>());

            await using var server = GatewayServer.Build(builder);
            // A bad scheduler config or an unknown profile fails now, with its message, not on the first request.
            _ = server.App.Services.GetRequiredService<IScheduler>();
            await server.StartAsync(cancellationToken).ConfigureAwait(false);

            var models = ServedModels(server.App.Services.GetRequiredService<IDatastore>().Current, quickstart is null ? null : ServeQuickstart.BaseModel);
            await Console.Out.WriteLineAsync(GatewayBanner.Format(server.PublicUrl, server.AdminUrl, models, quickstart?.DescribeServers())).ConfigureAwait(false);
            // Machine-readable (tests, scripts): the public base URL actually bound.
            await Console.Out.WriteLineAsync("gateway listening on " + server.PublicUrl.GetLeftPart(UriPartial.Authority)).ConfigureAwait(false);
            await Console.Out.WriteLineAsync("admin listening on " + server.AdminUrl.GetLeftPart(UriPartial.Authority)).ConfigureAwait(false);
            await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);

            try
            {
                await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C / SIGTERM.
            }

            // Stop accepting, let in-flight requests finish (up to the shutdown timeout), then stop the sources.
            await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        }
        catch (ConfigurationLoadException e)
        {
            await Console.Error.WriteLineAsync($"serve: the configuration is invalid ({e.Result.Errors.Count} error(s)):").ConfigureAwait(false);
            foreach (var error in e.Result.Errors)
            {
                await Console.Error.WriteLineAsync("  " + error).ConfigureAwait(false);
            }

            return 1;
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                await Console.Error.WriteLineAsync("serve: " + failure).ConfigureAwait(false);
            }

            return 1;
        }
        catch (Exception e) when (e is SchedulerConfigException or IOException)
        {
            // A bad scheduler config, or (IOException) typically a port already in use.
            await Console.Error.WriteLineAsync("serve: " + e.Message).ConfigureAwait(false);
            return 1;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("serve: " + e.Message).ConfigureAwait(false);
            return 2;
        }
        finally
        {
            if (quickstart is not null)
            {
                await quickstart.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The scheduler flags: an EndpointPickerConfig file and the profile to run (null: defaults).</summary>
    private sealed record SchedulingChoice(string? ConfigPath, string? Profile);

    private static void AddIfGiven(Dictionary<string, string?> settings, string key, int? value)
    {
        if (value is { } given)
        {
            settings[GatewaySection + key] = given.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The model names in order; <paramref name="first"/> (the banner's example model) leads when present.</summary>
    private static List<string> ServedModels(DatastoreSnapshot snapshot, string? first)
    {
        var names = new List<string>(snapshot.Models.Keys);
        names.Sort(StringComparer.Ordinal);
        if (first is not null && names.Remove(first))
        {
            names.Insert(0, first);
        }

        return names;
    }
}
