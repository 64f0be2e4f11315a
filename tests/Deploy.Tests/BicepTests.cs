using Scrapbook.Testing;

namespace Scrapbook.Deploy.Tests;

/// <summary>infra/ compiles and lints without a single warning under the Bicep CLI azd would use.</summary>
public sealed class BicepTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task MainBicepBuildsWithoutWarnings()
    {
        var built = await Tool.RunCapturedAsync(Deployment.Bicep, ["build", Deployment.MainBicep, "--stdout"], s_timeout, TestContext.Current.CancellationToken);

        Assert.Equal("", built.Errors.Trim());
        Assert.Contains("\"$schema\"", built.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MainBicepAndItsModulesLintClean()
    {
        var linted = await Tool.RunCapturedAsync(Deployment.Bicep, ["lint", Deployment.MainBicep], s_timeout, TestContext.Current.CancellationToken);

        Assert.Equal("", (linted.Output + linted.Errors).Trim());
    }
}
