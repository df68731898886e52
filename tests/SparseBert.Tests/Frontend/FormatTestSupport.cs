using SparseBert.IR;

namespace SparseBert.Tests.Frontend;

static class BadInput
{
    /// <summary>Asserts the one-line message names the file, the tensor where there is one, and the problem.</summary>
    public static BadInputException Expect(Action action, string path, string? tensor, string fragment)
    {
        var e = Assert.Throws<BadInputException>(action);
        Assert.Contains(path, e.Message);
        Assert.Equal(tensor, e.Tensor);
        if (tensor is not null) Assert.Contains($"'{tensor}'", e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }
}
