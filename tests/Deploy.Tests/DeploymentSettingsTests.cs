using Scrapbook.ServiceDefaults.Configuration;

namespace Scrapbook.Deploy.Tests;

/// <summary>
/// The AppHost, azure.yaml, infra/ and the services' own declarations agree: a service or a setting added in one place
/// and not the others fails here.
/// </summary>
public sealed class DeploymentSettingsTests(Deployment deployment) : IClassFixture<Deployment>
{
    /// <summary>Set by the platform, the container image or infra's own module, never read as a Scrapbook setting.</summary>
    private static bool IsPlatformVariable(string name) =>
        name.StartsWith("OTEL_", StringComparison.Ordinal)
        || name.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
        || name.StartsWith("DOTNET_", StringComparison.Ordinal)
        || name is "AZURE_CLIENT_ID" or "HTTP_PORTS";

    public static TheoryData<string> Services => [.. Deployment.Declarations.Select(d => d.Service)];

    [Fact]
    public void TheAppHostAzureYamlAndInfraNameTheSameServices()
    {
        var declared = Deployment.Declarations.Select(d => d.Service).Order().ToList();

        Assert.Equal(declared, deployment.ManifestProjects.Select(p => p.Name).Order());
        Assert.Equal(declared, deployment.AzdServices.Select(s => s.Name).Order());
        Assert.Equal(declared, deployment.Apps.Select(a => a.ServiceName).Order());
        Assert.All(deployment.Apps, app => Assert.Equal(app.ServiceName, app.Name));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void AzureYamlDeploysTheProjectTheAppHostRuns(string service)
    {
        var azd = deployment.AzdServices.Single(s => s.Name == service);
        var project = deployment.ManifestProjects.Single(p => p.Name == service);

        Assert.Equal(Path.GetDirectoryName(project.ProjectPath), azd.ProjectFolder.TrimEnd(Path.DirectorySeparatorChar));
        Assert.Equal("containerapp", azd.Host);
        Assert.Equal("dotnet", azd.Language);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void TheContainerAppGivesEverySettingTheServiceNeedsAndNoneItDoesNotRead(string service)
    {
        var declared = Deployment.Declarations.Single(d => d.Service == service);
        var app = deployment.Apps.Single(a => a.ServiceName == service);

        Assert.All(declared.Required, required => Assert.True(
            app.Environment.Any(e => required.AnyOf.Any(key => ServiceSettings.Covers(key, e.Key))),
            $"infra gives {service} no {required}; it has {string.Join(", ", app.Environment.Select(e => e.Name))}"));
        Assert.All(app.Environment, entry => Assert.True(
            declared.Declares(entry.Key),
            $"infra sets {entry.Name} on {service}, which {service} does not declare that it reads (a typo, or a setting to declare)"));
        Assert.All(app.ModuleEnvironment, name => Assert.True(IsPlatformVariable(name), $"modules/container-app.bicep sets {name} on every app"));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void TheAppHostGivesEverySettingTheServiceNeedsAndTheServiceDeclaresAllItGets(string service)
    {
        var declared = Deployment.Declarations.Single(d => d.Service == service);
        var project = deployment.ManifestProjects.Single(p => p.Name == service);
        var keys = project.Environment.Keys.Where(name => !IsPlatformVariable(name) && !IsAspireEndpointVariable(name))
            .Select(name => name.Replace("__", ":", StringComparison.Ordinal)).ToList();

        // Connection strings are references to the AppHost's resources, never literals.
        Assert.All(project.Environment.Where(e => e.Key.StartsWith("ConnectionStrings__", StringComparison.Ordinal)), e =>
            Assert.Equal($"{{{e.Key["ConnectionStrings__".Length..]}.connectionString}}", e.Value));

        Assert.All(declared.Required, required => Assert.True(
            keys.Any(key => required.AnyOf.Any(k => ServiceSettings.Covers(k, key))),
            $"the AppHost gives {service} no {required}; it has {string.Join(", ", project.Environment.Keys)}"));
        Assert.All(keys, key => Assert.True(declared.Declares(key), $"the AppHost sets {key} on {service}, which {service} does not declare"));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void SecretsComeFromKeyVaultAndNoPlainValueCarriesAKey(string service)
    {
        var declared = Deployment.Declarations.Single(d => d.Service == service);
        var app = deployment.Apps.Single(a => a.ServiceName == service);

        foreach (var secret in declared.Required.Where(r => r.Secret))
        {
            var entry = Assert.Single(app.Environment, e => secret.AnyOf.Any(k => ServiceSettings.Covers(k, e.Key)));
            Assert.Null(entry.Value);
            Assert.NotNull(entry.SecretRef);
            Assert.True(app.KeyVaultSecrets.TryGetValue(entry.SecretRef, out var url) && url is { Length: > 0 },
                $"{service}'s {entry.Name} names secret '{entry.SecretRef}', which is not a Key Vault reference");
        }

        Assert.All(app.Environment.Where(e => e.SecretRef is not null), e => Assert.Contains(e.SecretRef!, app.KeyVaultSecrets.Keys));
        Assert.All(app.Environment.Where(e => e.Value is not null), e => Assert.DoesNotMatch(
            "(?i)password\\s*=|accountkey|sharedaccesskey|listkeys\\(", e.Value!));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void OnlyTheGatewayIsReachableFromOutside(string service)
    {
        var app = deployment.Apps.Single(a => a.ServiceName == service);

        Assert.Equal(service == "gateway" ? "external" : service == "thumbnail-worker" ? "none" : "internal", app.Ingress);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void AnAppKeepsItsDeployedImageWhenAzdSaysItExists(string service)
    {
        var app = deployment.Apps.Single(a => a.ServiceName == service);
        var parameter = System.Text.RegularExpressions.Regex.Match(app.ExistsExpression, @"^\[parameters\('(\w+)'\)\]$").Groups[1].Value;

        var value = (string?)deployment.Parameters["parameters"]![parameter]?["value"];
        Assert.Equal($"${{SERVICE_{service.ToUpperInvariant().Replace('-', '_')}_RESOURCE_EXISTS=false}}", value);
    }

    [Fact]
    public void AzdGetsTheOutputsItNeeds()
    {
        var outputs = deployment.Template["outputs"]!.AsObject();

        Assert.Contains("AZURE_CONTAINER_REGISTRY_ENDPOINT", outputs.Select(o => o.Key));
        Assert.Contains("AZURE_KEY_VAULT_NAME", outputs.Select(o => o.Key));
        Assert.Contains("SCRAPBOOK_URL", outputs.Select(o => o.Key));
        Assert.Equal("${AZURE_ENV_NAME}", (string?)deployment.Parameters["parameters"]!["environmentName"]!["value"]);
        Assert.Equal("${AZURE_LOCATION}", (string?)deployment.Parameters["parameters"]!["location"]!["value"]);
    }

    /// <summary>
    /// Aspire 13's second form of a reference's address (<c>GALLERY_API_HTTP</c>), beside <c>services__gallery-api__http__0</c>,
    /// for a project or an executable (<c>CLASSIFIER_HTTP</c>).
    /// </summary>
    private bool IsAspireEndpointVariable(string name) =>
        deployment.ManifestResources.Any(r => name.Equals($"{r.ToUpperInvariant().Replace('-', '_')}_HTTP", StringComparison.Ordinal));
}
