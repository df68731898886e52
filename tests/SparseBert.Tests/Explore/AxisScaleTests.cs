using SparseBert.Simulator.Explore;

namespace SparseBert.Tests.Explore;

public sealed class ExploreAxisScaleTests
{
    [Theory]
    [InlineData(0.0, 1.0, 0.0, 1.0, 0.2, "0.0 0.2 0.4 0.6 0.8 1.0")]
    [InlineData(0.9487, 0.9991, 0.94, 1.0, 0.02, "0.94 0.96 0.98 1.00")]
    [InlineData(0.9990, 0.99985, 0.999, 1.0, 0.0002, "0.9990 0.9992 0.9994 0.9996 0.9998 1.0000")]
    [InlineData(3.7, 41.2, 0.0, 50.0, 10.0, "0 10 20 30 40 50")]
    [InlineData(-0.3, 0.25, -0.4, 0.4, 0.2, "-0.4 -0.2 0.0 0.2 0.4")]
    [InlineData(0.7, 1.4, 0.6, 1.4, 0.2, "0.6 0.8 1.0 1.2 1.4")]
    [InlineData(1234.0, 1234.0, 1100.0, 1400.0, 100.0, "1100 1200 1300 1400")]
    public void Ticks_fall_on_one_two_or_five_times_a_power_of_ten_and_cover_the_data(
        double low, double high, double min, double max, double step, string labels)
    {
        var scale = AxisScale.Nice(low, high);
        Assert.Equal(min, scale.Min, 12);
        Assert.Equal(max, scale.Max, 12);
        Assert.Equal(step, scale.Step, 12);
        Assert.Equal(labels, string.Join(' ', scale.Ticks.Select(scale.Label)));
    }

    [Fact]
    public void A_single_zero_gets_a_unit_range()
    {
        var scale = AxisScale.Nice(0, 0);
        Assert.True(scale.Min < 0 && scale.Max > 0);
        Assert.DoesNotContain(scale.Ticks, t => scale.Label(t) == "-0");
    }
}
