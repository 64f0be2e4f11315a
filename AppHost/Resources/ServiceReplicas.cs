namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Several replicas of one stateless project that its callers balance themselves: each replica's address is in their
/// service discovery settings (<c>services__{name}__http__0</c>, <c>__1</c>, …), so the gateway's YARP cluster sees them
/// all and load-balances and health-checks each.
/// </summary>
/// <remarks>
/// Aspire's <c>WithReplicas</c> would put every replica behind one DCP proxy address, which callers see as a single
/// destination (and DCP spreads connections, not requests). So when running, each replica is its own resource
/// (<c>upload-api-1</c>, <c>upload-api-2</c>), all reporting telemetry as the one service. When publishing, there is one
/// resource under the service's name with a replica count: one service of several replicas is what a deployment runs.
/// </remarks>
public sealed class ServiceReplicas(string serviceName, IReadOnlyList<IResourceBuilder<ProjectResource>> replicas)
{
    public string ServiceName { get; } = serviceName;

    public IReadOnlyList<IResourceBuilder<ProjectResource>> Replicas { get; } = replicas;
}

public static class ServiceReplicasExtensions
{
    public static ServiceReplicas AddServiceReplicas<TProject>(
        this IDistributedApplicationBuilder builder, string name, int count, Func<IResourceBuilder<ProjectResource>, IResourceBuilder<ProjectResource>> configure)
        where TProject : IProjectMetadata, new()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (builder.ExecutionContext.IsPublishMode)
        {
            return new ServiceReplicas(name, [configure(builder.AddProject<TProject>(name)).WithReplicas(count)]);
        }

        var replicas = new List<IResourceBuilder<ProjectResource>>(count);
        for (var i = 1; i <= count; i++)
        {
            replicas.Add(configure(builder.AddProject<TProject>($"{name}-{i}").WithEnvironment("OTEL_SERVICE_NAME", name)));
        }

        return new ServiceReplicas(name, replicas);
    }

    /// <summary>The caller finds every replica under the service's name (<c>http://{name}</c>).</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, ServiceReplicas service)
        where T : IResourceWithEnvironment
    {
        if (service.Replicas is [var single] && single.Resource.Name == service.ServiceName)
        {
            return builder.WithReference(single);
        }

        for (var i = 0; i < service.Replicas.Count; i++)
        {
            builder.WithEnvironment($"services__{service.ServiceName}__http__{i}", service.Replicas[i].GetEndpoint("http"));
        }

        return builder;
    }

    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, ServiceReplicas service)
        where T : IResourceWithWaitSupport
    {
        foreach (var replica in service.Replicas)
        {
            builder.WaitFor(replica);
        }

        return builder;
    }
}
