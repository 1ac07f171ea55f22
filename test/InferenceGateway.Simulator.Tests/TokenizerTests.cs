using InferenceGateway.Simulator.Tokens;

namespace InferenceGateway.Simulator.Tests;

public class TokenizerTests
{
    [Fact]
    public void Split_Sentence_FollowsTheDocumentedRule()
    {
        var tokens = new List<(int Start, int Length)>();
        const string text = "Hello, wonderful world!  ok";

        ApproxTokenizer.Split(text, tokens);

        var pieces = tokens.Select(t => text.Substring(t.Start, t.Length)).ToList();
        Assert.Equal(["Hell", "o", ",", " wond", "erfu", "l", " worl", "d", "!", " ", " ok"], pieces);
        Assert.Equal(pieces.Count, ApproxTokenizer.Count(text));
        Assert.Equal(text, string.Concat(pieces));
    }

    [Fact]
    public void TokenIds_SameText_SameIds()
    {
        Assert.Equal(ApproxTokenizer.TokenIds("the same text"), ApproxTokenizer.TokenIds("the same text"));
        Assert.NotEqual(ApproxTokenizer.TokenIds("the same text"), ApproxTokenizer.TokenIds("the same test"));
    }

    [Fact]
    public void Count_EnglishText_AboutFourCharactersPerToken()
    {
        var text = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog near the riverbank. ", 20));

        var ratio = (double)text.Length / ApproxTokenizer.Count(text);

        Assert.InRange(ratio, 3.0, 5.0);
    }

    [Fact]
    public void BlockHashes_SharedPrefix_ChainedUntilDivergence()
    {
        var a = ApproxTokenizer.TokenIds(string.Concat(Enumerable.Repeat("alpha beta gamma ", 20)) + string.Concat(Enumerable.Repeat("tail one two three ", 10)));
        var b = ApproxTokenizer.TokenIds(string.Concat(Enumerable.Repeat("alpha beta gamma ", 20)) + string.Concat(Enumerable.Repeat("other ending here ", 10)));
        var b2 = (int[])b.Clone();
        b2[0] ^= 1;

        var ha = PromptHasher.BlockHashes(a, 16, PromptHasher.SeedFor(null));
        var hb = PromptHasher.BlockHashes(b, 16, PromptHasher.SeedFor(null));
        var hb2 = PromptHasher.BlockHashes(b2, 16, PromptHasher.SeedFor(null));
        var hAdapter = PromptHasher.BlockHashes(a, 16, PromptHasher.SeedFor("lora"));

        Assert.Equal(a.Length / 16, ha.Length);
        Assert.Equal(ha[0], hb[0]);
        Assert.Equal(ha[1], hb[1]);
        Assert.NotEqual(ha[^1], hb[^1]);
        Assert.All(Enumerable.Range(0, hb.Length), i => Assert.NotEqual(hb[i], hb2[i]));
        Assert.NotEqual(ha[0], hAdapter[0]);
    }
}
