using System.Globalization;

namespace Scrapbook.Hosting;

/// <summary>Aspire's fluent resource API: references, waits, endpoints, replicas, health checks, environment.</summary>
public static class ResourceBuilderExtensions
{
    public static IResourceBuilder<ExecutableResource> AddExecutable(
        this DistributedApplicationBuilder builder, string name, string command, string workingDirectory, params string[] args)
    {
        var resource = new ExecutableResource(name, command, Path.GetFullPath(workingDirectory, builder.AppHostDirectory));
        if (args.Length > 0)
        {
            resource.Arguments.Add(_ => args);
        }

        return builder.AddResource(resource);
    }

    /// <summary>
    /// A .NET project by its generated type (<c>Projects.Scrapbook_Gallery_Api</c>), as in Aspire: the AppHost references
    /// the project, so building the AppHost built it, and the AppHost does not build it again.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this DistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
    {
        var project = builder.AddProject(name, new TProject().ProjectPath);
        project.Resource.BuiltWithAppHost = true;
        return project;
    }

    /// <summary>A .NET project by its folder or .csproj path, relative to the AppHost project's folder.</summary>
    public static IResourceBuilder<ProjectResource> AddProject(this DistributedApplicationBuilder builder, string name, string projectPath)
    {
        var path = Path.GetFullPath(projectPath, builder.AppHostDirectory);
        if (Directory.Exists(path))
        {
            var projects = Directory.GetFiles(path, "*.csproj");
            path = projects.Length == 1
                ? projects[0]
                : throw new InvalidOperationException($"Expected exactly one .csproj in {path}, found {projects.Length}.");
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Project '{name}': {path} does not exist.");
        }

        var assemblyName = ProjectFile.AssemblyName(path);
        var assembly = Path.Combine(Path.GetDirectoryName(path)!, "bin", builder.BuildConfiguration, ProjectFile.TargetFramework, assemblyName + ".dll");
        var resource = new ProjectResource(name, path, assembly);
        resource.Arguments.Add(_ => [assembly]);
        resource.Endpoints.Add(new EndpointDefinition("http", "http", null, false, null));
        resource.EnvironmentCallbacks.Add(context =>
        {
            var environment = builder.Configuration["DOTNET_ENVIRONMENT"] ?? "Development";
            context.Set("ASPNETCORE_ENVIRONMENT", environment);
            context.Set("DOTNET_ENVIRONMENT", environment);
            context.Set("ASPNETCORE_URLS", string.Join(';', context.Resource.Endpoints
                .Where(e => e.Scheme is "http" or "https")
                .Select(e => context.Resource.GetEndpointUrl(e.Name, context.Replica))));
            context.Set("OTEL_SERVICE_NAME", name);
            context.Set("OTEL_RESOURCE_ATTRIBUTES", $"service.instance.id={InstanceId(context.Resource, context.Replica)}");
            var otlp = builder.Configuration["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"];
            if (!string.IsNullOrEmpty(otlp))
            {
                context.Set("OTEL_EXPORTER_OTLP_ENDPOINT", otlp);
                context.Set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            }
        });
        return builder.AddResource(resource);
    }

    /// <summary>The replica's <c>service.instance.id</c>: the resource name and the replica's index.</summary>
    public static string InstanceId(ExecutableResource resource, int replica) =>
        $"{resource.Name}-{replica.ToString(CultureInfo.InvariantCulture)}";

    public static IResourceBuilder<T> WithArgs<T>(this IResourceBuilder<T> builder, params string[] args)
        where T : ExecutableResource
    {
        builder.Resource.Arguments.Add(_ => args);
        return builder;
    }

    public static IResourceBuilder<T> WithArgs<T>(this IResourceBuilder<T> builder, Func<ReplicaContext, IEnumerable<string>> args)
        where T : ExecutableResource
    {
        builder.Resource.Arguments.Add(args);
        return builder;
    }

    /// <summary>Connection strings become <c>ConnectionStrings__{name}</c>; a process becomes <c>services__{name}__{endpoint}__{i}</c> per replica.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> source)
        where T : Resource
    {
        switch (source.Resource)
        {
            case IResourceWithConnectionString withConnectionString:
                builder.Resource.EnvironmentCallbacks.Add(context =>
                    context.Set($"ConnectionStrings__{withConnectionString.Name}", withConnectionString.GetConnectionString(), withConnectionString.ContainsSecret));
                break;
            case ExecutableResource executable:
                builder.Resource.EnvironmentCallbacks.Add(context =>
                {
                    foreach (var endpoint in executable.Endpoints)
                    {
                        for (var i = 0; i < executable.Replicas; i++)
                        {
                            var index = i.ToString(CultureInfo.InvariantCulture);
                            context.Set($"services__{executable.Name}__{endpoint.Name}__{index}", executable.GetEndpointUrl(endpoint.Name, i));
                        }
                    }
                });
                break;
            default:
                throw new InvalidOperationException($"'{source.Resource.Name}' cannot be referenced: it has neither a connection string nor endpoints.");
        }

        return builder;
    }

    /// <summary>Starts this resource only once <paramref name="dependency"/> is running and healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> dependency)
        where T : Resource
    {
        builder.Resource.WaitsFor.Add(dependency.Resource);
        return builder;
    }

    public static IResourceBuilder<T> WithReplicas<T>(this IResourceBuilder<T> builder, int replicas)
        where T : ExecutableResource
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        if (replicas > 1 && builder.Resource.Endpoints.Exists(e => e.Port is not null))
        {
            throw new InvalidOperationException($"'{builder.Resource.Name}' has a fixed port, so it cannot have {replicas} replicas.");
        }

        builder.Resource.Replicas = replicas;
        return builder;
    }

    /// <summary>Adds (or, for an existing name, fixes the port of) an HTTP endpoint; <paramref name="env"/> receives the port.</summary>
    public static IResourceBuilder<T> WithHttpEndpoint<T>(this IResourceBuilder<T> builder, int? port = null, string name = "http", string? env = null)
        where T : ExecutableResource => builder.WithEndpoint(name, "http", port, env);

    public static IResourceBuilder<T> WithEndpoint<T>(this IResourceBuilder<T> builder, string name, string scheme = "tcp", int? port = null, string? env = null)
        where T : ExecutableResource
    {
        if (port is not null && builder.Resource.Replicas > 1)
        {
            throw new InvalidOperationException($"'{builder.Resource.Name}' has {builder.Resource.Replicas} replicas, so it cannot have a fixed port.");
        }

        var endpoints = builder.Resource.Endpoints;
        var existing = endpoints.FindIndex(e => e.Name == name);
        if (existing >= 0)
        {
            endpoints[existing] = endpoints[existing] with { Port = port, PortEnvironmentVariable = env ?? endpoints[existing].PortEnvironmentVariable };
        }
        else
        {
            endpoints.Add(new EndpointDefinition(name, scheme, port, false, env));
        }

        return builder;
    }

    /// <summary>Marks the HTTP endpoints as public (bound to localhost and shown as the entry point).</summary>
    public static IResourceBuilder<T> WithExternalHttpEndpoints<T>(this IResourceBuilder<T> builder)
        where T : ExecutableResource
    {
        var endpoints = builder.Resource.Endpoints;
        for (var i = 0; i < endpoints.Count; i++)
        {
            if (endpoints[i].Scheme is "http" or "https")
            {
                endpoints[i] = endpoints[i] with { IsExternal = true };
            }
        }

        return builder;
    }

    /// <summary>The resource is healthy when GET <paramref name="path"/> on its <c>http</c> endpoint answers 2xx.</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health")
        where T : ExecutableResource
    {
        if (!builder.Resource.Endpoints.Exists(e => e.Name == "http"))
        {
            throw new InvalidOperationException($"'{builder.Resource.Name}' has no http endpoint to check.");
        }

        builder.Resource.HealthCheck = HealthCheckKind.Http;
        builder.Resource.HealthCheckPath = path;
        return builder;
    }

    /// <summary>The resource is healthy when every endpoint accepts TCP connections.</summary>
    public static IResourceBuilder<T> WithTcpHealthCheck<T>(this IResourceBuilder<T> builder)
        where T : ExecutableResource
    {
        builder.Resource.HealthCheck = HealthCheckKind.Tcp;
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value)
        where T : Resource
    {
        builder.Resource.EnvironmentCallbacks.Add(context => context.Set(name, value));
        return builder;
    }

    /// <summary>Passes a parameter's value; a secret stays masked wherever the environment is shown.</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, IResourceBuilder<ParameterResource> parameter)
        where T : Resource
    {
        builder.Resource.EnvironmentCallbacks.Add(context => context.Set(name, parameter.Resource.Value, parameter.Resource.Secret));
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, Action<EnvironmentContext> callback)
        where T : Resource
    {
        builder.Resource.EnvironmentCallbacks.Add(callback);
        return builder;
    }

    /// <summary>
    /// A parameter from configuration (<c>Parameters:{name}</c>), else generated once (128 random bits, hex)
    /// and persisted in <c>{state}/parameters.json</c> so it survives restarts.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddParameter(this DistributedApplicationBuilder builder, string name, bool secret = false)
    {
        var resource = new ParameterResource(name, secret)
        {
            ResolvedValue = builder.Configuration[$"Parameters:{name}"] ?? ParameterStore.GetOrCreate(builder.StateDirectory, name),
        };
        return builder.AddResource(resource);
    }
}
