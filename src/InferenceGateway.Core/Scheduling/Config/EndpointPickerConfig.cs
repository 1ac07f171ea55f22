using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace InferenceGateway.Core.Scheduling.Config;

/// <summary>A plugin instance as configured: <c>{name, type, parameters}</c>; name defaults to the type.</summary>
internal sealed record PluginSpec(string Name, string Type, PluginParameters Parameters);

/// <summary>A plugin used by a profile: <c>{pluginRef, weight}</c>; weight only matters for scorers (default 1).</summary>
internal sealed record ProfilePluginRef(string PluginRef, double? Weight);

internal sealed record ProfileSpec(string Name, IReadOnlyList<ProfilePluginRef> Plugins);

/// <summary>
/// The reference picker's configuration file: <c>apiVersion: inference.networking.x-k8s.io/v1alpha1</c>,
/// <c>kind: EndpointPickerConfig</c>, <c>plugins[{name, type, parameters}]</c> and
/// <c>schedulingProfiles[{name, plugins[{pluginRef, weight}]}]</c>. Other top-level sections (featureGates,
/// saturationDetector, flowControl) belong to other components and are ignored here.
/// </summary>
internal sealed record EndpointPickerConfig(IReadOnlyList<PluginSpec> Plugins, IReadOnlyList<ProfileSpec> Profiles)
{
    public const string ApiVersion = "inference.networking.x-k8s.io/v1alpha1";
    public const string Kind = "EndpointPickerConfig";

    public static EndpointPickerConfig Parse(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(yaml);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new SchedulerConfigException($"EndpointPickerConfig is not valid YAML: {e.Message} (line {e.Start.Line}, column {e.Start.Column})", e);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new SchedulerConfigException("EndpointPickerConfig must be exactly one YAML document holding a mapping");
        }

        var apiVersion = Scalar(root, "apiVersion", "EndpointPickerConfig");
        if (apiVersion is not null && apiVersion != ApiVersion)
        {
            throw new SchedulerConfigException($"EndpointPickerConfig: apiVersion must be \"{ApiVersion}\", got \"{apiVersion}\"");
        }

        var kind = Scalar(root, "kind", "EndpointPickerConfig");
        if (kind is not null && kind != Kind)
        {
            throw new SchedulerConfigException($"EndpointPickerConfig: kind must be \"{Kind}\", got \"{kind}\"");
        }

        var plugins = new List<PluginSpec>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var pluginIndex = 0;
        foreach (var item in Sequence(root, "plugins", "EndpointPickerConfig"))
        {
            var where = $"plugins[{pluginIndex++}]";
            if (item is not YamlMappingNode map)
            {
                throw new SchedulerConfigException($"{where}: must be a mapping with name, type and parameters");
            }

            var type = Scalar(map, "type", where);
            if (string.IsNullOrWhiteSpace(type))
            {
                throw new SchedulerConfigException($"{where}: \"type\" is required");
            }

            var name = Scalar(map, "name", where) ?? type;
            if (!names.Add(name))
            {
                throw new SchedulerConfigException($"{where}: plugin name \"{name}\" is defined twice");
            }

            var owner = $"plugin \"{name}\" (type {type})";
            var parameters = Child(map, "parameters") switch
            {
                null => PluginParameters.Empty(owner),
                YamlMappingNode p => ToParameters(p, owner),
                YamlScalarNode { Value: null or "" or "~" or "null" } => PluginParameters.Empty(owner),
                _ => throw new SchedulerConfigException($"{where}: \"parameters\" must be a mapping"),
            };
            plugins.Add(new PluginSpec(name, type, parameters));
        }

        var profiles = new List<ProfileSpec>();
        var profileNames = new HashSet<string>(StringComparer.Ordinal);
        var profileIndex = 0;
        foreach (var item in Sequence(root, "schedulingProfiles", "EndpointPickerConfig"))
        {
            var where = $"schedulingProfiles[{profileIndex++}]";
            if (item is not YamlMappingNode map)
            {
                throw new SchedulerConfigException($"{where}: must be a mapping with name and plugins");
            }

            var name = Scalar(map, "name", where);
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new SchedulerConfigException($"{where}: \"name\" is required");
            }

            if (!profileNames.Add(name))
            {
                throw new SchedulerConfigException($"{where}: profile name \"{name}\" is defined twice");
            }

            var refs = new List<ProfilePluginRef>();
            var refIndex = 0;
            foreach (var entry in Sequence(map, "plugins", where))
            {
                var refWhere = $"{where} (profile \"{name}\").plugins[{refIndex++}]";
                if (entry is not YamlMappingNode refMap)
                {
                    throw new SchedulerConfigException($"{refWhere}: must be a mapping with pluginRef and weight");
                }

                var pluginRef = Scalar(refMap, "pluginRef", refWhere);
                if (string.IsNullOrWhiteSpace(pluginRef))
                {
                    throw new SchedulerConfigException($"{refWhere}: \"pluginRef\" is required");
                }

                double? weight = null;
                var weightText = Scalar(refMap, "weight", refWhere);
                if (weightText is not null)
                {
                    if (!double.TryParse(weightText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var w)
                        || !double.IsFinite(w) || w < 0)
                    {
                        throw new SchedulerConfigException($"{refWhere}: \"weight\" must be a number >= 0, got \"{weightText}\"");
                    }

                    weight = w;
                }

                refs.Add(new ProfilePluginRef(pluginRef, weight));
            }

            profiles.Add(new ProfileSpec(name, refs));
        }

        return new EndpointPickerConfig(plugins, profiles);
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static string? Scalar(YamlMappingNode map, string key, string where)
    {
        return Child(map, key) switch
        {
            null => null,
            YamlScalarNode scalar => IsNull(scalar) ? null : scalar.Value,
            _ => throw new SchedulerConfigException($"{where}: \"{key}\" must be a scalar"),
        };
    }

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode map, string key, string where)
    {
        return Child(map, key) switch
        {
            null => [],
            YamlSequenceNode sequence => sequence.Children,
            YamlScalarNode scalar when IsNull(scalar) => [],
            _ => throw new SchedulerConfigException($"{where}: \"{key}\" must be a list"),
        };
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");

    private static PluginParameters ToParameters(YamlMappingNode map, string owner)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                throw new SchedulerConfigException($"{owner}: parameter keys must be strings");
            }

            values[name] = ToValue(value, owner);
        }

        return new PluginParameters(owner, values);
    }

    private static object? ToValue(YamlNode node, string owner) => node switch
    {
        YamlScalarNode scalar => IsNull(scalar) ? null : scalar.Value,
        YamlMappingNode map => ToParameters(map, owner),
        YamlSequenceNode sequence => sequence.Children.Select(child => ToValue(child, owner)).ToList(),
        _ => throw new SchedulerConfigException($"{owner}: YAML aliases are not supported in parameters"),
    };
}
