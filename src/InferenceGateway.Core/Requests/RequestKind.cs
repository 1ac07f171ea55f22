namespace InferenceGateway.Core.Requests;

/// <summary>The OpenAI-compatible endpoints the pipeline routes by body.</summary>
public enum RequestKind
{
    Completions,
    ChatCompletions,
    Responses,
    Embeddings,
}

/// <summary>Maps a request path (query string ignored) to the endpoint kind.</summary>
public static class RequestPaths
{
    public const string Completions = "/v1/completions";
    public const string ChatCompletions = "/v1/chat/completions";
    public const string Responses = "/v1/responses";
    public const string Embeddings = "/v1/embeddings";

    /// <summary>Exact, case-sensitive match (as the servers do); a trailing query string is ignored.</summary>
    public static bool TryGetKind(string path, out RequestKind kind)
    {
        var span = path.AsSpan();
        var query = span.IndexOf('?');
        if (query >= 0)
        {
            span = span[..query];
        }

        if (span.SequenceEqual(ChatCompletions))
        {
            kind = RequestKind.ChatCompletions;
            return true;
        }

        if (span.SequenceEqual(Completions))
        {
            kind = RequestKind.Completions;
            return true;
        }

        if (span.SequenceEqual(Responses))
        {
            kind = RequestKind.Responses;
            return true;
        }

        if (span.SequenceEqual(Embeddings))
        {
            kind = RequestKind.Embeddings;
            return true;
        }

        kind = default;
        return false;
    }
}
