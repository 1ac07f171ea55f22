using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace InferenceGateway.Api.Schema;

/// <summary>
/// The checks behind <see cref="SchemaFormat"/>, worded like k8s.io/apimachinery's validation helpers.
/// Each returns the problems found (empty when valid); "Too long: ..." entries are complete messages, the others
/// are the detail that follows `Invalid value: "x": `.
/// </summary>
internal static partial class Formats
{
    public const string Dns1123LabelPattern = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    public const string Dns1123SubdomainPattern = Dns1123LabelPattern + "(\\." + Dns1123LabelPattern + ")*";
    public const string QualifiedNamePattern = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    public const string LabelValuePattern = "(" + QualifiedNamePattern + ")?";

    private const string SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" + Dns1123SubdomainPattern + "')";
    private const string LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" + Dns1123LabelPattern + "')";
    private const string NamePartMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" + QualifiedNamePattern + "')";
    private const string QualifiedNameMessage = "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" + QualifiedNamePattern + "') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
    private const string LabelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '" + LabelValuePattern + "')";

    public static IReadOnlyList<string> Check(SchemaFormat format, string value) => format switch
    {
        SchemaFormat.Dns1123Subdomain => Dns1123Subdomain(value),
        SchemaFormat.Dns1123Label => Dns1123Label(value),
        SchemaFormat.QualifiedName => QualifiedName(value),
        SchemaFormat.AnnotationKey => QualifiedName(value.ToLowerInvariant()),
        SchemaFormat.LabelValue => LabelValue(value),
        SchemaFormat.IP => IsIP(value) ? [] : ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"],
        SchemaFormat.HostPort => IsHostPort(value) ? [] : ["must be host:port, ip:port or [ipv6]:port with a port in 1..65535 (e.g. 127.0.0.2:8000 or vllm-0.models.svc:8000)"],
        SchemaFormat.DateTime => IsDateTime(value) ? [] : ["must be an RFC 3339 date-time"],
        _ => [],
    };

    public static IReadOnlyList<string> Dns1123Subdomain(string value)
    {
        var problems = new List<string>(2);
        if (value.Length > 253)
        {
            problems.Add("Too long: may not be longer than 253");
        }

        if (!SubdomainRegex().IsMatch(value))
        {
            problems.Add(SubdomainMessage);
        }

        return problems;
    }

    public static IReadOnlyList<string> Dns1123Label(string value)
    {
        var problems = new List<string>(2);
        if (value.Length > 63)
        {
            problems.Add("Too long: may not be longer than 63");
        }

        if (!LabelRegex().IsMatch(value))
        {
            problems.Add(LabelMessage);
        }

        return problems;
    }

    /// <summary>Label and annotation keys: an optional DNS-subdomain prefix and '/', then a name of at most 63.</summary>
    public static IReadOnlyList<string> QualifiedName(string value)
    {
        var problems = new List<string>(2);
        var parts = value.Split('/');
        string name;
        if (parts.Length == 1)
        {
            name = parts[0];
        }
        else if (parts.Length == 2)
        {
            var prefix = parts[0];
            name = parts[1];
            if (prefix.Length == 0)
            {
                problems.Add("prefix part must be non-empty");
            }
            else
            {
                if (prefix.Length > 253)
                {
                    problems.Add("prefix part must be no more than 253 characters");
                }

                if (!SubdomainRegex().IsMatch(prefix))
                {
                    problems.Add("prefix part " + SubdomainMessage);
                }
            }
        }
        else
        {
            return [QualifiedNameMessage];
        }

        if (name.Length == 0)
        {
            problems.Add("name part must be non-empty");
        }
        else
        {
            if (name.Length > 63)
            {
                problems.Add("name part must be no more than 63 characters");
            }

            if (!QualifiedNameRegex().IsMatch(name))
            {
                problems.Add(NamePartMessage);
            }
        }

        return problems;
    }

    public static IReadOnlyList<string> LabelValue(string value)
    {
        var problems = new List<string>(2);
        if (value.Length > 63)
        {
            problems.Add("must be no more than 63 characters");
        }

        if (!LabelValueRegex().IsMatch(value))
        {
            problems.Add(LabelValueMessage);
        }

        return problems;
    }

    /// <summary>Dotted-quad IPv4 (no leading zeros, as current Kubernetes) or IPv6 without a zone.</summary>
    public static bool IsIP(string value)
    {
        if (value.Contains(':'))
        {
            return !value.Contains('%') && IPAddress.TryParse(value, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        }

        return IsIPv4(value);
    }

    private static bool IsIPv4(string value)
    {
        var parts = value.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0'))
            {
                return false;
            }

            foreach (var c in part)
            {
                if (c is < '0' or > '9')
                {
                    return false;
                }
            }

            if (int.Parse(part, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>"host:port", "ip:port" or "[ipv6]:port"; host is an IPv4 address or a DNS name; port 1..65535.</summary>
    public static bool IsHostPort(string value)
    {
        string host;
        string port;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = value[1..close];
            port = value[(close + 2)..];
            if (!host.Contains(':') || !IsIP(host))
            {
                return false;
            }
        }
        else
        {
            var colon = value.LastIndexOf(':');
            if (colon <= 0 || value.IndexOf(':') != colon)
            {
                return false;
            }

            host = value[..colon];
            port = value[(colon + 1)..];
            var looksNumeric = true;
            foreach (var c in host)
            {
                if (c is not (>= '0' and <= '9') and not '.')
                {
                    looksNumeric = false;
                    break;
                }
            }

            if (looksNumeric ? !IsIPv4(host) : host.Length > 253 || !SubdomainRegex().IsMatch(host.ToLowerInvariant()))
            {
                return false;
            }
        }

        return port.Length is > 0 and <= 5
            && port[0] != '0'
            && int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && number is >= 1 and <= 65535;
    }

    /// <summary>RFC 3339 date-time, e.g. 2024-01-02T03:04:05Z or 2024-01-02T03:04:05.123+02:00.</summary>
    public static bool IsDateTime(string value) => TryParseDateTime(value, out _);

    public static bool TryParseDateTime(string value, out DateTimeOffset result)
    {
        result = default;
        return DateTimeRegex().IsMatch(value)
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out result);
    }

    [GeneratedRegex("^" + Dns1123SubdomainPattern + "\\z")]
    private static partial Regex SubdomainRegex();

    [GeneratedRegex("^" + Dns1123LabelPattern + "\\z")]
    private static partial Regex LabelRegex();

    [GeneratedRegex("^" + QualifiedNamePattern + "\\z")]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex("^" + LabelValuePattern + "\\z")]
    private static partial Regex LabelValueRegex();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})\z")]
    private static partial Regex DateTimeRegex();
}
