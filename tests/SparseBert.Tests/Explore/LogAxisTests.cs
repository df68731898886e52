using SparseBert.Simulator.Explore;

namespace SparseBert.Tests.Explore;

public sealed class LogAxisTests
{
    [Theory]
    [InlineData(180.0, 8200.0, "100 200 500 1,000 2,000 5,000 10,000")]
    [InlineData(0.0021, 0.049, "0.002 0.005 0.01 0.02 0.05")]
    [InlineData(0.3, 4000.0, "0.1 1 10 100 1,000 10,000")]
    [InlineData(2.0, 2.0, "2 5")]
    public void Ends_and_ticks_fall_on_one_two_or_five_times_a_power_of_ten(double low, double high, string labels)
    {
        var axis = LogAxis.Covering(low, high);
        Assert.True(axis.Min <= low && axis.Max >= high);
        Assert.Equal(labels, string.Join(' ', axis.Ticks.Select(axis.Label)));
        Assert.Equal(0, axis.Fraction(axis.Min), 12);
        Assert.Equal(1, axis.Fraction(axis.Max), 12);
    }

    [Fact]
    public void Only_values_spread_over_a_decade_or_more_suit_it()
    {
        Assert.True(LogAxis.Suits([200, 400, 8000]));
        Assert.False(LogAxis.Suits([200, 400, 600]));
        Assert.False(LogAxis.Suits([0, 10, 1000]));
        Assert.False(LogAxis.Suits([5]));
    }
}
