using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Scrapbook.Hosting;

/// <summary>Options for an application model; tests set the folders, the AppHost reads them from its build.</summary>
public sealed class DistributedApplicationOptions
{
    public string[] Args { get; init; } = [];

    /// <summary>The AppHost project's folder; relative project paths start here.</summary>
    public string? AppHostDirectory { get; init; }

    /// <summary>Where parameters and backing servers' data persist (git-ignored); defaults to <c>.scrapbook/</c> at the checkout's root.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>Build configuration whose outputs projects run from; defaults to the AppHost's own.</summary>
    public string? Configuration { get; init; }

    /// <summary>Print every line of every resource's console output, not only warnings and errors.</summary>
    public bool Verbose { get; init; }

    /// <summary>Whether to <c>dotnet build</c> the referenced projects before starting them.</summary>
    public bool BuildProjects { get; init; } = true;

    /// <summary>Serve the dashboard on 127.0.0.1 (port from <c>Dashboard:Port</c>, 18888 by default).</summary>
    public bool EnableDashboard { get; init; } = true;

    public int DashboardPort { get; init; } = 18888;

    public TimeSpan RestartBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRestartBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Builds the application model, in the shape of Aspire's <c>IDistributedApplicationBuilder</c>.</summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<Resource> _resources = [];

    internal DistributedApplicationBuilder(DistributedApplicationOptions options)
    {
        var args = options.Args.Where(a => a != "--verbose").ToArray();
        Configuration = new ConfigurationManager();
        Configuration.AddEnvironmentVariables();
        Configuration.AddCommandLine(args);

        var entry = Assembly.GetEntryAssembly();
        AppHostDirectory = Path.GetFullPath(options.AppHostDirectory ?? Metadata(entry, "AppHostProjectDirectory") ?? Environment.CurrentDirectory);
        CheckoutDirectory = FindCheckoutRoot(AppHostDirectory);
        StateDirectory = Path.GetFullPath(options.StateDirectory ?? Configuration["AppHost:StateDirectory"] ?? Path.Combine(CheckoutDirectory, ".scrapbook"));
        BuildConfiguration = options.Configuration ?? Metadata(entry, "AppHostConfiguration") ?? "Debug";
        Options = new DistributedApplicationOptions
        {
            Args = args,
            AppHostDirectory = AppHostDirectory,
            StateDirectory = StateDirectory,
            Configuration = BuildConfiguration,
            Verbose = options.Verbose || options.Args.Contains("--verbose") || Configuration.GetValue<bool>("AppHost:Verbose"),
            BuildProjects = options.BuildProjects && Configuration.GetValue("AppHost:BuildProjects", true),
            EnableDashboard = options.EnableDashboard && Configuration.GetValue("Dashboard:Enabled", true),
            DashboardPort = Configuration.GetValue("Dashboard:Port", options.DashboardPort),
            RestartBackoff = options.RestartBackoff,
            MaxRestartBackoff = options.MaxRestartBackoff,
            StopGracePeriod = options.StopGracePeriod,
        };
    }

    public ConfigurationManager Configuration { get; }

    public string AppHostDirectory { get; }

    public string StateDirectory { get; }

    /// <summary>The root of the git checkout the AppHost belongs to (its own folder when outside one).</summary>
    public string CheckoutDirectory { get; }

    /// <summary>Backing servers' data lives here between runs.</summary>
    public string DataDirectory => Path.Combine(StateDirectory, "data");

    public string BuildConfiguration { get; }

    internal DistributedApplicationOptions Options { get; }

    public IReadOnlyList<Resource> Resources => _resources;

    public IResourceBuilder<T> AddResource<T>(T resource)
        where T : Resource
    {
        if (_resources.Exists(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public DistributedApplication Build() => new(Options, [.. _resources]);

    private static string? Metadata(Assembly? assembly, string key) =>
        assembly?.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;

    private static string FindCheckoutRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }

        return start;
    }
}

/// <summary>A resource being configured; extension methods add to it fluently, as in Aspire.</summary>
public interface IResourceBuilder<out T>
    where T : Resource
{
    DistributedApplicationBuilder ApplicationBuilder { get; }

    T Resource { get; }
}

internal sealed class ResourceBuilder<T>(DistributedApplicationBuilder applicationBuilder, T resource) : IResourceBuilder<T>
    where T : Resource
{
    public DistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;

    public T Resource { get; } = resource;
}
