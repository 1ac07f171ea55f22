using System.Text;
using InferenceGateway.Core.Prefix;

namespace InferenceGateway.Core.Tests.Prefix;

public class PrefixHasherTests
{
    private static ulong[] Hash(string model, string prompt, int blockBytes = 64, int max = 256)
    {
        var destination = new ulong[max];
        var count = PrefixHasher.ComputeBlockHashes(PrefixHasher.ModelSeed(model), Encoding.UTF8.GetBytes(prompt), blockBytes, destination);
        return destination[..count];
    }

    [Fact]
    public void ComputeBlockHashes_PartialLastBlock_Ignored()
    {
        var hashes = Hash("m", new string('a', (64 * 3) + 63));

        Assert.Equal(3, hashes.Length);
    }

    [Fact]
    public void ComputeBlockHashes_SharedPrefix_SameLeadingHashesThenDiverge()
    {
        var shared = new string('s', 64 * 2);

        var a = Hash("m", shared + new string('a', 64));
        var b = Hash("m", shared + new string('b', 64));

        Assert.Equal(a[..2], b[..2]);
        Assert.NotEqual(a[2], b[2]);
    }

    [Fact]
    public void ComputeBlockHashes_DifferentModel_NoCommonHash()
    {
        var prompt = new string('p', 64 * 4);

        Assert.Empty(Hash("a", prompt).Intersect(Hash("b", prompt)));
    }

    [Fact]
    public void ComputeBlockHashes_EarlierBlockDiffers_EveryLaterHashDiffers()
    {
        var tail = new string('t', 64 * 3);

        var a = Hash("m", new string('x', 64) + tail);
        var b = Hash("m", new string('y', 64) + tail);

        Assert.Empty(a.Intersect(b));
    }

    [Fact]
    public void ComputeBlockHashes_LongPrompt_CappedAtDestination()
    {
        Assert.Equal(256, Hash("m", new string('l', 64 * 300)).Length);
        Assert.Equal(10, Hash("m", new string('l', 64 * 300), max: 10).Length);
    }

    [Fact]
    public void ComputeBlockHashes_MatchesDefinition_HashOfBlockThenPreviousHashLittleEndian()
    {
        var prompt = Encoding.UTF8.GetBytes(new string('q', 128));
        var seed = System.IO.Hashing.XxHash64.HashToUInt64(Encoding.UTF8.GetBytes("model"));
        var first = System.IO.Hashing.XxHash64.HashToUInt64([.. prompt[..64], .. BitConverter.GetBytes(seed)]);
        var second = System.IO.Hashing.XxHash64.HashToUInt64([.. prompt[64..], .. BitConverter.GetBytes(first)]);

        Assert.Equal(new[] { first, second }, Hash("model", new string('q', 128)));
    }

    [Fact]
    public void ComputeBlockHashes_LargeBlocks_SameAsDefinition()
    {
        var prompt = new string('z', 4096 * 2);

        var hashes = Hash("m", prompt, blockBytes: 4096);

        Assert.Equal(2, hashes.Length);
        Assert.NotEqual(hashes[0], hashes[1]);
    }
}
