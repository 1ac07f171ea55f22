using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace InferenceGateway.Simulator.Tokens;

/// <summary>
/// A deterministic stand-in for a BPE tokenizer (about 4 characters per token on English text).
/// Rule: a run of letters/digits is cut into pieces of at most 4 characters, and a single space right before
/// such a run is glued to its first piece (as BPE merges " word"); any other whitespace run is cut into pieces
/// of at most 4 characters; every other character (punctuation, symbols; a surrogate pair counts as one) is a
/// token of its own. A token's id is the xxHash32 of its UTF-16 code units, so the same text always gives the
/// same ids and therefore the same prefix-cache blocks.
/// </summary>
public static class ApproxTokenizer
{
    public const int MaxWordChars = 4;

    /// <summary>The number of tokens of <paramref name="text"/>.</summary>
    public static int Count(ReadOnlySpan<char> text)
    {
        var count = 0;
        var position = 0;
        while (position < text.Length)
        {
            position += NextTokenLength(text, position);
            count++;
        }

        return count;
    }

    /// <summary>Appends each token's (start, length) in <paramref name="text"/> to <paramref name="tokens"/>.</summary>
    public static void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> tokens)
    {
        var position = 0;
        while (position < text.Length)
        {
            var length = NextTokenLength(text, position);
            tokens.Add((position, length));
            position += length;
        }
    }

    /// <summary>The token ids of <paramref name="text"/>.</summary>
    public static int[] TokenIds(ReadOnlySpan<char> text)
    {
        var ids = new int[Count(text)];
        var position = 0;
        var index = 0;
        while (position < text.Length)
        {
            var length = NextTokenLength(text, position);
            ids[index++] = TokenId(text.Slice(position, length));
            position += length;
        }

        return ids;
    }

    public static int TokenId(ReadOnlySpan<char> token) =>
        unchecked((int)XxHash32.HashToUInt32(MemoryMarshal.AsBytes(token)));

    private static int NextTokenLength(ReadOnlySpan<char> text, int position)
    {
        var c = text[position];
        if (IsWordChar(c))
        {
            return WordRun(text, position, 0);
        }

        if (c == ' ' && position + 1 < text.Length && IsWordChar(text[position + 1]))
        {
            return WordRun(text, position + 1, 1);
        }

        if (char.IsWhiteSpace(c))
        {
            var length = 1;
            while (length < MaxWordChars && position + length < text.Length && char.IsWhiteSpace(text[position + length])
                && !(text[position + length] == ' ' && position + length + 1 < text.Length && IsWordChar(text[position + length + 1])))
            {
                length++;
            }

            return length;
        }

        if (char.IsHighSurrogate(c) && position + 1 < text.Length && char.IsLowSurrogate(text[position + 1]))
        {
            return 2;
        }

        return 1;
    }

    private static int WordRun(ReadOnlySpan<char> text, int start, int prefix)
    {
        var length = 0;
        while (length < MaxWordChars && start + length < text.Length && IsWordChar(text[start + length]))
        {
            length++;
        }

        return prefix + length;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c);
}
