using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scrapbook.ServiceDefaults.Configuration;
using Scrapbook.Testing;
using YamlDotNet.RepresentationModel;

namespace Scrapbook.Deploy.Tests;

/// <summary>
/// The deployment as the tests read it, from the files azd reads: <c>infra/main.bicep</c> compiled by the Bicep CLI,
/// <c>azure.yaml</c>, and the AppHost's publishing manifest; beside them, the settings each service declares.
/// </summary>
public sealed class Deployment : IAsyncLifetime
{
    private static readonly TimeSpan s_toolTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Every service's declaration; a service added to the AppHost must add its own here.</summary>
    public static IReadOnlyList<ServiceSettings> Declarations { get; } =
    [
        Gateway.GatewaySettings.Declared,
        Upload.Api.UploadApiSettings.Declared,
        Gallery.Api.GalleryApiSettings.Declared,
        Thumbnail.Worker.ThumbnailWorkerSettings.Declared,
        Notify.Api.NotifyApiSettings.Declared,
    ];

    public static string Bicep { get; } = typeof(Deployment).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Bicep").Value!;

    public static string MainBicep => RepoPaths.Combine("infra", "main.bicep");

    /// <summary>The ARM template <c>bicep build</c> makes of main.bicep.</summary>
    public JsonObject Template { get; private set; } = null!;

    /// <summary>main.parameters.json, as azd reads it before substituting its variables.</summary>
    public JsonObject Parameters { get; private set; } = null!;

    public IReadOnlyList<ContainerApp> Apps { get; private set; } = [];

    public IReadOnlyList<AzdService> AzdServices { get; private set; } = [];

    public IReadOnlyList<ManifestProject> ManifestProjects { get; private set; } = [];

    /// <summary>Every resource of the publishing manifest (projects, executables such as the classifier, parameters).</summary>
    public IReadOnlyList<string> ManifestResources { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        var built = await Tool.RunCapturedAsync(Bicep, ["build", MainBicep, "--stdout"], s_toolTimeout);
        Template = JsonNode.Parse(built.Output)!.AsObject();
        Parameters = JsonNode.Parse(await File.ReadAllTextAsync(RepoPaths.Combine("infra", "main.parameters.json")))!.AsObject();
        Apps = ContainerApp.ReadAll(Template);
        AzdServices = AzdService.ReadAll(RepoPaths.Combine("azure.yaml"));
        (ManifestProjects, ManifestResources) = await ManifestProject.ReadAllAsync();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>One container app as main.bicep creates it: the parameters of its <c>modules/container-app.bicep</c> call.</summary>
public sealed record ContainerApp(
    string Name,
    string ServiceName,
    string Ingress,
    string ExistsExpression,
    IReadOnlyList<EnvironmentEntry> Environment,
    IReadOnlyDictionary<string, string?> KeyVaultSecrets,
    IReadOnlyList<string> ModuleEnvironment)
{
    public static IReadOnlyList<ContainerApp> ReadAll(JsonObject template) =>
    [
        .. from resource in template["resources"]!.AsArray().Select(r => r!.AsObject())
           where (string?)resource["type"] == "Microsoft.Resources/deployments"
           let nested = resource["properties"]!["template"]!.AsObject()
           where nested["resources"]!.AsArray().Any(r => (string?)r!["type"] == "Microsoft.App/containerApps" && r["existing"] is null)
           let parameters = resource["properties"]!["parameters"]!.AsObject()
           select new ContainerApp(
               (string)parameters["name"]!["value"]!,
               (string)parameters["serviceName"]!["value"]!,
               (string)parameters["ingress"]!["value"]!,
               (string)parameters["exists"]!["value"]!,
               [.. parameters["env"]!["value"]!.AsArray().Select(e => new EnvironmentEntry((string)e!["name"]!, (string?)e["value"], (string?)e["secretRef"]))],
               (parameters["secrets"]?["value"]?.AsArray() ?? []).ToDictionary(s => (string)s!["name"]!, s => (string?)s!["keyVaultUrl"]),
               ModuleNames(nested)),
    ];

    /// <summary>What the module adds to every app's environment: names written as literals in its template.</summary>
    private static List<string> ModuleNames(JsonObject module) =>
        [.. System.Text.RegularExpressions.Regex.Matches(module.ToJsonString(), @"'name', '([A-Za-z_]+)'").Select(m => m.Groups[1].Value).Distinct()];
}

/// <summary>An environment variable of a container app: a plain value (literal or ARM expression) or a secret reference.</summary>
public sealed record EnvironmentEntry(string Name, string? Value, string? SecretRef)
{
    /// <summary>The configuration key the service reads it as (<c>__</c> is <c>:</c>).</summary>
    public string Key => Name.Replace("__", ":", StringComparison.Ordinal);
}

/// <summary>A service of azure.yaml.</summary>
public sealed record AzdService(string Name, string Project, string Language, string Host, string? Dockerfile, string? DockerContext, bool RemoteBuild)
{
    public static IReadOnlyList<AzdService> ReadAll(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var services = (YamlMappingNode)root.Children[new YamlScalarNode("services")];
        return
        [
            .. services.Children.Select(entry =>
            {
                var service = (YamlMappingNode)entry.Value;
                var docker = service.Children.TryGetValue(new YamlScalarNode("docker"), out var node) ? (YamlMappingNode)node : null;
                return new AzdService(
                    ((YamlScalarNode)entry.Key).Value!,
                    Scalar(service, "project")!,
                    Scalar(service, "language")!,
                    Scalar(service, "host")!,
                    docker is null ? null : Scalar(docker, "path"),
                    docker is null ? null : Scalar(docker, "context"),
                    docker is not null && Scalar(docker, "remoteBuild") == "true");
            }),
        ];

        static string? Scalar(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;
    }

    /// <summary>The service's project folder, relative to the repository root (azure.yaml's <c>project</c>).</summary>
    public string ProjectFolder => Path.GetFullPath(Path.Combine(RepoPaths.Root, Project));
}

/// <summary>A project resource of the AppHost's publishing manifest: its csproj and the environment the AppHost gives it.</summary>
public sealed record ManifestProject(string Name, string ProjectPath, IReadOnlyDictionary<string, string?> Environment)
{
    /// <returns>The project resources, and the names of all resources.</returns>
    public static async Task<(IReadOnlyList<ManifestProject> Projects, IReadOnlyList<string> Resources)> ReadAllAsync()
    {
        using var folder = new TempDirectory("manifest");
        var path = Path.Combine(folder.Path, "aspire-manifest.json");
        var appHost = Path.Combine(AppContext.BaseDirectory, "Scrapbook.AppHost.dll");
        await Tool.RunAsync("dotnet", [appHost, "--publisher", "manifest", "--output-path", path], timeout: TimeSpan.FromMinutes(2));

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        IReadOnlyList<ManifestProject> projects =
        [
            .. from resource in manifest.RootElement.GetProperty("resources").EnumerateObject()
               where resource.Value.GetProperty("type").GetString()!.StartsWith("project.", StringComparison.Ordinal)
               select new ManifestProject(
                   resource.Name,
                   Path.GetFullPath(Path.Combine(folder.Path, resource.Value.GetProperty("path").GetString()!)),
                   resource.Value.TryGetProperty("env", out var env) ? env.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()) : []),
        ];
        return (projects, [.. manifest.RootElement.GetProperty("resources").EnumerateObject().Select(r => r.Name)]);
    }
}
