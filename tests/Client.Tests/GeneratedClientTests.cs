using Scrapbook.Testing;

namespace Scrapbook.Client.Tests;

/// <summary>The checked-in Kiota client is exactly what Kiota generates from the checked-in document.</summary>
public sealed class GeneratedClientTests
{
    [Fact]
    public async Task TheCheckedInClientIsWhatKiotaGeneratesFromTheCheckedInDocument()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var project = RepoPaths.Combine("clients", "Scrapbook.Client");
        using var copy = new TempDirectory("client");
        File.Copy(Path.Combine(project, "openapi.json"), Path.Combine(copy.Path, "openapi.json"));

        await Tool.RunAsync("bash", [Path.Combine(project, "generate.sh"), copy.Path], timeout: TimeSpan.FromMinutes(3), cancellationToken: cancellationToken);

        var expected = Files(Path.Combine(copy.Path, "Generated"));
        var actual = Files(Path.Combine(project, "Generated"));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        Assert.All(expected, file => Assert.True(
            actual[file.Key] == file.Value,
            $"clients/Scrapbook.Client/Generated/{file.Key} is not what Kiota generates from openapi.json: run scripts/generate-client.sh."));
    }

    private static Dictionary<string, string> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(path => Path.GetRelativePath(root, path).Replace('\\', '/'), File.ReadAllText);
}
