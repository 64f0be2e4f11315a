namespace Scrapbook.Hosting;

/// <summary>A named part of the application model: a process, a connection string or a parameter.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    /// <summary>Resources that must be running and healthy before this one starts.</summary>
    internal List<Resource> WaitsFor { get; } = [];

    /// <summary>Environment contributions, applied in order for each replica.</summary>
    internal List<Action<EnvironmentContext>> EnvironmentCallbacks { get; } = [];

    public override string ToString() => Name;
}

/// <summary>A resource that hands its consumers a connection string (<c>ConnectionStrings__{name}</c>).</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    /// <summary>The connection string; valid once the application has allocated its ports.</summary>
    string GetConnectionString();

    /// <summary>Whether the connection string carries a secret (a password): then it is masked wherever it is shown.</summary>
    bool ContainsSecret => false;
}

/// <summary>A resource that lives inside another (a database inside its server): waiting for it waits for the parent.</summary>
public interface IResourceWithParent
{
    Resource Parent { get; }
}

/// <summary>An endpoint a process listens on; the port is fixed or allocated when the application starts.</summary>
public sealed record EndpointDefinition(string Name, string Scheme, int? Port, bool IsExternal, string? PortEnvironmentVariable);

/// <summary>How an executable's replicas are judged healthy.</summary>
public enum HealthCheckKind
{
    /// <summary>Healthy as soon as the process runs.</summary>
    Running,

    /// <summary>Every endpoint accepts TCP connections.</summary>
    Tcp,

    /// <summary>An HTTP GET on the <c>http</c> endpoint answers 2xx.</summary>
    Http,

    /// <summary>The resource's own probe (a database server that accepts a query, say).</summary>
    Custom,
}

/// <summary>A process started by the orchestrator, possibly in several replicas.</summary>
public class ExecutableResource(string name, string command, string workingDirectory) : Resource(name)
{
    public string Command { get; internal set; } = command;

    public string WorkingDirectory { get; internal set; } = workingDirectory;

    public int Replicas { get; internal set; } = 1;

    public HealthCheckKind HealthCheck { get; internal set; } = HealthCheckKind.Running;

    public string HealthCheckPath { get; internal set; } = "/health";

    internal List<EndpointDefinition> Endpoints { get; } = [];

    internal List<Func<ReplicaContext, IEnumerable<string>>> Arguments { get; } = [];

    /// <summary>The probe of <see cref="HealthCheckKind.Custom"/>: true when the replica is healthy.</summary>
    internal Func<ReplicaContext, CancellationToken, Task<bool>>? HealthProbe { get; set; }

    /// <summary>Work done once before the first replica starts (folders to create and hand over, say).</summary>
    internal List<Func<CancellationToken, Task>> BeforeStart { get; } = [];

    /// <summary>The user the processes run as, when the AppHost runs as root and the program refuses root (PostgreSQL).</summary>
    internal string? RunAsUser { get; set; }

    /// <summary>Ports allocated per replica and endpoint name, set when the application starts.</summary>
    internal List<Dictionary<string, int>> AllocatedPorts { get; } = [];

    /// <summary>The URL of an endpoint of one replica (loopback), valid once ports are allocated.</summary>
    public string GetEndpointUrl(string endpointName, int replica = 0)
    {
        var endpoint = Endpoints.Find(e => e.Name == endpointName)
            ?? throw new InvalidOperationException($"Resource '{Name}' has no endpoint '{endpointName}'.");
        var host = endpoint.IsExternal ? "localhost" : "127.0.0.1";
        return $"{endpoint.Scheme}://{host}:{GetPort(endpointName, replica)}";
    }

    public int GetPort(string endpointName, int replica = 0)
    {
        if (replica >= AllocatedPorts.Count)
        {
            throw new InvalidOperationException($"Ports of '{Name}' are not allocated yet: start the application first.");
        }

        return AllocatedPorts[replica][endpointName];
    }
}

/// <summary>A project the AppHost references; MSBuild generates one implementation per reference (<c>Projects.{Name}</c>), as Aspire does.</summary>
public interface IProjectMetadata
{
    /// <summary>The full path of the project file.</summary>
    string ProjectPath { get; }
}

/// <summary>A .NET project, built before the application starts and run as <c>dotnet {assembly}.dll</c>.</summary>
public sealed class ProjectResource(string name, string projectPath, string assemblyPath)
    : ExecutableResource(name, "dotnet", Path.GetDirectoryName(projectPath)!)
{
    public string ProjectPath { get; } = projectPath;

    public string AssemblyPath { get; } = assemblyPath;

    /// <summary>Referenced by the AppHost project, so built with it: the AppHost does not build it again.</summary>
    public bool BuiltWithAppHost { get; internal set; }
}

/// <summary>A value from configuration or generated once and persisted; secrets are masked wherever they are shown.</summary>
public sealed class ParameterResource(string name, bool secret) : Resource(name)
{
    public bool Secret { get; } = secret;

    internal string? ResolvedValue { get; set; }

    public string Value => ResolvedValue ?? throw new InvalidOperationException($"Parameter '{Name}' has no value yet.");
}

/// <summary>A resource that is only a connection string built by a function (a database inside a server, a file).</summary>
public class ConnectionStringResource(string name, Resource? parent, Func<string> connectionString, bool containsSecret = false)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent
{
    public Resource Parent => parent ?? this;

    public bool ContainsSecret => containsSecret;

    public string GetConnectionString() => connectionString();
}

/// <summary>The environment being built for one replica; secrets are remembered so that displays mask them.</summary>
public sealed class EnvironmentContext(ExecutableResource resource, int replica)
{
    public ExecutableResource Resource { get; } = resource;

    public int Replica { get; } = replica;

    internal Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    internal HashSet<string> Secrets { get; } = new(StringComparer.Ordinal);

    public void Set(string name, string value, bool secret = false)
    {
        Variables[name] = value;
        if (secret)
        {
            Secrets.Add(name);
        }
        else
        {
            Secrets.Remove(name);
        }
    }
}

/// <summary>What an argument callback knows about the replica being started.</summary>
public sealed record ReplicaContext(ExecutableResource Resource, int Replica)
{
    public int Port(string endpointName) => Resource.GetPort(endpointName, Replica);
}
