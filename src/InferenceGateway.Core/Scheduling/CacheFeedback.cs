namespace InferenceGateway.Core.Scheduling;

/// <summary>
/// What the prefix index expected the primary endpoint to serve from its KV cache for one request. The front end
/// hands it back with the response's usage (<see cref="ICacheFeedback"/>), so a copy the engine has evicted stops
/// attracting the prompts that shared it.
/// </summary>
/// <param name="Address">The primary endpoint.</param>
/// <param name="CachedFraction">Share of the prompt the index matched there, in (0, 1].</param>
/// <param name="PlacedAt">The index's logical time of the last placement of the deepest matched block there, before this request.</param>
/// <param name="BlockTokens">The endpoint's KV block size in tokens as the index hashed it; 0 = the index's default.</param>
public readonly record struct CacheExpectation(string Address, double CachedFraction, long PlacedAt, int BlockTokens = 0);

/// <summary>
/// Optional, on schedulers that keep a prefix index: learns from a response's
/// <c>usage.prompt_tokens_details.cached_tokens</c>. Call it once per response that reported usage, only when the
/// request was served by <see cref="CacheExpectation.Address"/>. Thread-safe; cheap.
/// </summary>
public interface ICacheFeedback
{
    void OnUsage(CacheExpectation expectation, int promptTokens, int cachedPromptTokens);
}
