using System.Net.Http.Headers;
using Scrapbook.Testing;

namespace Scrapbook.Hosting.Tests;

internal static class HostingTestSupport
{
#if DEBUG
    public const string BuildConfiguration = "Debug";
#else
    public const string BuildConfiguration = "Release";
#endif

    public static string TestAppHostProject => RepoPaths.Combine("tests", "Hosting.Tests", "TestAppHost");

    public static string TestAppHostAssembly =>
        RepoPaths.Combine("tests", "Hosting.Tests", "TestAppHost", "bin", BuildConfiguration, "net10.0", "Scrapbook.Hosting.TestAppHost.dll");

    /// <summary>
    /// A model whose state lives in <paramref name="state"/>; projects are already built by this test project (the
    /// application builds the ones not built with it only with <paramref name="buildProjects"/>). The dashboard runs
    /// only when given a port.
    /// </summary>
    public static DistributedApplicationBuilder CreateBuilder(TempDirectory state, TimeSpan? restartBackoff = null, int? dashboardPort = null, bool buildProjects = false) =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            StateDirectory = state.Path,
            AppHostDirectory = state.Path,
            Configuration = BuildConfiguration,
            BuildProjects = buildProjects,
            EnableDashboard = dashboardPort is not null,
            DashboardPort = dashboardPort ?? 0,
            StopGracePeriod = TimeSpan.FromSeconds(2),
            RestartBackoff = restartBackoff ?? TimeSpan.FromSeconds(1),
        });

    /// <summary>The dashboard token carried by its login link (<c>{dashboard}/login?t={token}</c>), as a bearer header.</summary>
    public static AuthenticationHeaderValue DashboardToken(string loginUrl) => new("Bearer", new Uri(loginUrl).Query["?t=".Length..]);

    /// <summary>Waits for a file a child writes atomically (write then rename) and reads it as KEY=VALUE lines.</summary>
    public static async Task<Dictionary<string, string>> ReadEnvironmentFileAsync(string path)
    {
        await Poll.UntilAsync(() => File.Exists(path), TimeSpan.FromSeconds(60), $"{path} exists");
        return File.ReadAllLines(path)
            .Where(line => line.Contains('=', StringComparison.Ordinal))
            .Select(line => line.Split('=', 2))
            .GroupBy(parts => parts[0])
            .ToDictionary(g => g.Key, g => g.First()[1]);
    }
}
