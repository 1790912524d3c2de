using Collector.Storage.Log;

namespace Collector.Tests.Storage;

public sealed class DamagedRangesTests
{
    [Fact]
    public void Add_OverlappingAndRepeatedRanges_EachByteCountedOnce()
    {
        var ranges = new DamagedRanges();

        Assert.Equal(100, ranges.Add(1_000, 1_100));
        Assert.Equal(0, ranges.Add(1_000, 1_100));
        Assert.Equal(0, ranges.Add(1_050, 1_080));
        Assert.Equal(50, ranges.Add(1_050, 1_150));
        Assert.Equal(100, ranges.Add(2_000, 2_100));
        Assert.Equal(950, ranges.Add(900, 2_100));
        Assert.Equal(0, ranges.Add(950, 950));
    }
}
