using System.Text.Encodings.Web;
using System.Text.Json;

namespace InferenceGateway.Core.Requests;

/// <summary>
/// Replaces the model value of a body and nothing else: the bytes before the opening quote and after the closing
/// quote are copied unchanged, so field order, whitespace, escapes and number formatting survive.
/// </summary>
internal static class ModelRewriter
{
    /// <summary>
    /// Returns a new body with the JSON string token at [<paramref name="tokenStart"/>, <paramref name="tokenEnd"/>)
    /// replaced by <paramref name="newModel"/> as a JSON string.
    /// </summary>
    public static byte[] Rewrite(ReadOnlySpan<byte> body, int tokenStart, int tokenEnd, string newModel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokenStart);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenEnd, tokenStart + 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tokenEnd, body.Length);

        // Relaxed escaping keeps non-ASCII as UTF-8 and escapes only what JSON requires (quote, backslash,
        // control characters); the server decodes either form to the same string.
        var encoded = JsonEncodedText.Encode(newModel, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes;
        var result = new byte[body.Length - (tokenEnd - tokenStart) + encoded.Length + 2];
        var prefix = body[..tokenStart];
        prefix.CopyTo(result);
        var position = prefix.Length;
        result[position++] = (byte)'"';
        encoded.CopyTo(result.AsSpan(position));
        position += encoded.Length;
        result[position++] = (byte)'"';
        body[tokenEnd..].CopyTo(result.AsSpan(position));
        return result;
    }
}
