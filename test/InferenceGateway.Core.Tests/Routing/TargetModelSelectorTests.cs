using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Core.Tests.Routing;

public sealed class TargetModelSelectorTests
{
    // Chi-square critical value for 3 degrees of freedom at p = 1e-6 (the table value is 30.66). A correct draw
    // exceeds it with probability 1e-6; an off-by-one at a boundary (weights 1,2,3,4 over 20,000 draws) scores
    // in the hundreds or more.
    private const double ChiSquareBound3Df = 30.66;

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(20_260_127)]
    public void Draw_WeightedTargets_MatchesWeightsByChiSquare(int seed)
    {
        // Arrange
        var route = FakeDatastore.Model("base", CriticalityBand.Default,
            new WeightedTarget("a", 1), new WeightedTarget("b", 2), new WeightedTarget("c", 3), new WeightedTarget("d", 4));
        var random = new Random(seed);
        const int Draws = 20_000;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal) { ["a"] = 0, ["b"] = 0, ["c"] = 0, ["d"] = 0 };

        // Act
        for (var i = 0; i < Draws; i++)
        {
            counts[TargetModelSelector.Draw(route, random)!]++;
        }

        // Assert
        var statistic = ChiSquare([counts["a"], counts["b"], counts["c"], counts["d"]], [0.1, 0.2, 0.3, 0.4], Draws);
        Assert.True(statistic < ChiSquareBound3Df, $"chi-square {statistic:F2} >= {ChiSquareBound3Df}: {string.Join(", ", counts)}");
    }

    [Fact]
    public void ChiSquare_OffByOneDistribution_ExceedsTheBound()
    {
        // Arrange: what "draw <= weight" would produce for weights 1,2,3,4 (a gets 2/10, d gets 3/10).
        const int Draws = 20_000;
        int[] biased = [4_000, 4_000, 6_000, 6_000];

        // Act
        var statistic = ChiSquare(biased, [0.1, 0.2, 0.3, 0.4], Draws);

        // Assert: the test above would catch this implementation error.
        Assert.True(statistic > ChiSquareBound3Df * 10, $"chi-square {statistic:F2}");
    }

    [Fact]
    public void Draw_ZeroWeightTargetsAmongOthers_AreNeverDrawn()
    {
        // Arrange
        var route = FakeDatastore.Model("base", CriticalityBand.Default,
            new WeightedTarget("zero", 0), new WeightedTarget("one", 1), new WeightedTarget("neg", -5), new WeightedTarget("two", 1));
        var random = new Random(7);

        // Act
        var drawn = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 2_000; i++)
        {
            drawn.Add(TargetModelSelector.Draw(route, random)!);
        }

        // Assert
        Assert.Equal(["one", "two"], drawn.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Draw_NoTargets_ReturnsModelName()
    {
        // Arrange
        var route = FakeDatastore.Model("base");

        // Act
        var target = TargetModelSelector.Draw(route, new Random(1));

        // Assert
        Assert.Equal("base", target);
        Assert.False(TargetModelSelector.IsReserved(route));
    }

    [Fact]
    public void Draw_AllWeightsZero_ReturnsNullAndIsReserved()
    {
        // Arrange
        var route = FakeDatastore.Model("reserved", CriticalityBand.Default, new WeightedTarget("a", 0), new WeightedTarget("b", 0));

        // Act
        var target = TargetModelSelector.Draw(route, new Random(1));

        // Assert
        Assert.Null(target);
        Assert.True(TargetModelSelector.IsReserved(route));
    }

    [Fact]
    public void Draw_LargeWeights_DoesNotOverflow()
    {
        // Arrange: ten targets at the API maximum (1,000,000) and one at int.MaxValue.
        var targets = new WeightedTarget[11];
        for (var i = 0; i < 10; i++)
        {
            targets[i] = new WeightedTarget($"t{i}", 1_000_000);
        }

        targets[10] = new WeightedTarget("big", int.MaxValue);
        var route = FakeDatastore.Model("base", CriticalityBand.Default, targets);
        var random = new Random(3);

        // Act
        var big = 0;
        for (var i = 0; i < 1_000; i++)
        {
            if (TargetModelSelector.Draw(route, random) == "big")
            {
                big++;
            }
        }

        // Assert: "big" holds > 99.5% of the mass.
        Assert.InRange(big, 980, 1_000);
    }

    private static double ChiSquare(int[] observed, double[] probabilities, int total)
    {
        var sum = 0.0;
        for (var i = 0; i < observed.Length; i++)
        {
            var expected = probabilities[i] * total;
            sum += (observed[i] - expected) * (observed[i] - expected) / expected;
        }

        return sum;
    }
}
