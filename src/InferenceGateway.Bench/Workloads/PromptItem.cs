using System.Text;
using System.Text.Json;
using InferenceGateway.Simulator.Tokens;

namespace InferenceGateway.Bench.Workloads;

/// <summary>One chat message of a multi-turn prompt.</summary>
internal sealed record ChatMessage(string Role, string Content);

/// <summary>
/// One distinct prompt (several requests may send the same one). Holds what each side needs, derived from the same
/// text so all agree on prefixes: the completions prompt or chat messages (HTTP), <see cref="PromptBytes"/> (the
/// scheduler's prefix index: the prompt, or the messages' JSON), the rendered prompt's token count and block hashes
/// (the simulated engine, tokenized exactly as the simulator server tokenizes).
/// </summary>
internal sealed class PromptItem
{
    private ulong[]? _blockHashes;
    private int _hashedBlockSize;

    private PromptItem(string? prompt, IReadOnlyList<ChatMessage>? messages, int outputTokens, string? adapter, string? session)
    {
        Prompt = prompt;
        Messages = messages;
        OutputTokens = outputTokens;
        Adapter = adapter;
        Session = session;
        RenderedPrompt = prompt ?? Render(messages!);
        PromptBytes = prompt is not null ? Encoding.UTF8.GetBytes(prompt) : JsonSerializer.SerializeToUtf8Bytes(messages, BenchJsonContext.Default.IReadOnlyListChatMessage);
        PromptTokens = ApproxTokenizer.Count(RenderedPrompt);
    }

    /// <summary>Completions prompt, or null for chat.</summary>
    public string? Prompt { get; }

    /// <summary>Chat messages, or null for completions.</summary>
    public IReadOnlyList<ChatMessage>? Messages { get; }

    public bool IsChat => Messages is not null;

    /// <summary>The text the server tokenizes (chat: the simulator's fixed template).</summary>
    public string RenderedPrompt { get; }

    public byte[] PromptBytes { get; }

    public int PromptTokens { get; }

    /// <summary>Exact tokens to generate (max_tokens with ignore_eos).</summary>
    public int OutputTokens { get; }

    /// <summary>LoRA adapter (the target model), or null for the base model.</summary>
    public string? Adapter { get; }

    /// <summary>Conversation id of a multi-turn request.</summary>
    public string? Session { get; }

    public static PromptItem Completion(string prompt, int outputTokens, string? adapter = null) => new(prompt, null, outputTokens, adapter, null);

    public static PromptItem Chat(IReadOnlyList<ChatMessage> messages, int outputTokens, string? session) => new(null, messages, outputTokens, null, session);

    /// <summary>The prompt's chained block hashes as the simulated engine computes them (cached per item).</summary>
    public ulong[] BlockHashes(int blockSize)
    {
        var hashes = Volatile.Read(ref _blockHashes);
        if (hashes is not null && _hashedBlockSize == blockSize)
        {
            return hashes;
        }

        var ids = ApproxTokenizer.TokenIds(RenderedPrompt);
        hashes = PromptHasher.BlockHashes(ids, blockSize, PromptHasher.SeedFor(Adapter));
        _hashedBlockSize = blockSize;
        Volatile.Write(ref _blockHashes, hashes);
        return hashes;
    }

    /// <summary>The simulator server's chat template: "&lt;|role|&gt;\ncontent\n" per message, then "&lt;|assistant|&gt;\n".</summary>
    public static string Render(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var builder = new StringBuilder();
        foreach (var message in messages)
        {
            builder.Append("<|").Append(message.Role).Append("|>\n").Append(message.Content).Append('\n');
        }

        builder.Append("<|assistant|>\n");
        return builder.ToString();
    }
}
