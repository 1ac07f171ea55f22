using System.Buffers;
using System.Text;

namespace InferenceGateway.Core.Metrics;

/// <summary>Escape handling of the text exposition format: label values know \\, \" and \n; HELP knows \\ and \n.</summary>
internal static class PrometheusEscaping
{
    public static string UnescapeLabelValue(ReadOnlySpan<byte> raw) => Unescape(raw, allowQuote: true);

    public static string UnescapeHelp(ReadOnlySpan<byte> raw) => Unescape(raw, allowQuote: false);

    /// <summary>Escapes a label value for writing (used by tests and tools that emit exposition text).</summary>
    public static string EscapeLabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString();
    }

    private static string Unescape(ReadOnlySpan<byte> raw, bool allowQuote)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(raw);
        }

        var rented = raw.Length <= 256 ? null : ArrayPool<byte>.Shared.Rent(raw.Length);
        Span<byte> buffer = rented is null ? stackalloc byte[256] : rented;
        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'\\' && i + 1 < raw.Length)
            {
                var next = raw[i + 1];
                if (next == (byte)'\\' || next == (byte)'n' || (allowQuote && next == (byte)'"'))
                {
                    buffer[length++] = next == (byte)'n' ? (byte)'\n' : next;
                    i++;
                    continue;
                }
            }

            buffer[length++] = b;
        }

        var result = Encoding.UTF8.GetString(buffer[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return result;
    }
}
