using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Scrapbook.Deploy.Tests;

/// <summary>
/// What can be checked of the images without building them (no Docker engine and no base-image registry here): the
/// parts of docs/deploy.md's Dockerfile review list that a reading can decide, and the chiseled base of the others.
/// </summary>
public sealed partial class ContainerImageTests(Deployment deployment) : IClassFixture<Deployment>
{
    public static TheoryData<string> Services => [.. Deployment.Declarations.Select(d => d.Service)];

    [Theory]
    [MemberData(nameof(Services))]
    public void EveryImageRunsAsAnUnprivilegedUserOnTheDotNetRuntimeWithoutBuildTools(string service)
    {
        var azd = deployment.AzdServices.Single(s => s.Name == service);
        var project = Directory.GetFiles(azd.ProjectFolder, "*.csproj").Single();
        if (azd.Dockerfile is null)
        {
            // dotnet publish -t:PublishContainer: the SDK's chiseled images have no shell or package manager and run as 'app'.
            var properties = XDocument.Load(project).Descendants();
            Assert.Contains(properties, p => p.Name.LocalName == "ContainerFamily" && p.Value.Contains("chiseled", StringComparison.Ordinal));
            Assert.DoesNotContain(properties, p => p.Name.LocalName == "ContainerUser");
            return;
        }

        Assert.True(azd.RemoteBuild, $"{service}: built in the registry, so azd up needs no local Docker");
        var lines = File.ReadAllLines(Path.Combine(azd.ProjectFolder, azd.Dockerfile))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var finalStage = lines.Skip(lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal))).ToList();
        var final = string.Join('\n', finalStage);

        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0-noble\b", finalStage[0]);
        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/sdk:10\.0-noble AS build$", lines.First(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
        Assert.Equal("USER $APP_UID", finalStage.Last(l => l.StartsWith("USER ", StringComparison.Ordinal)));
        Assert.Equal($"ENTRYPOINT [\"dotnet\", \"{Path.GetFileNameWithoutExtension(project)}.dll\"]", finalStage[^1]);
        Assert.Contains("--no-install-recommends", final, StringComparison.Ordinal);
        Assert.Contains("rm -rf /var/lib/apt/lists/*", final, StringComparison.Ordinal);
        Assert.DoesNotMatch(BuildTools(), final);
        Assert.Contains("libvips42t64", final, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\b(build-essential|gcc|g\+\+|make|cmake|git|curl|wget|dotnet-sdk|libvips-dev)\b")]
    private static partial Regex BuildTools();
}
