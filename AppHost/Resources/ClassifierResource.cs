namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The image classifier of moderation <c>auto</c> (docs/classifier.md): <c>eng/classifier</c>'s Node service, nsfwjs
/// with its bundled model, run by Node as an executable on 127.0.0.1. Its requests are signed with a shared secret.
/// </summary>
public sealed class ClassifierResource(string name, string workingDirectory, ParameterResource secret)
    : ExecutableResource(name, "node", workingDirectory), IResourceWithServiceDiscovery
{
    public ParameterResource Secret { get; } = secret;

    public EndpointReference HttpEndpoint => new(this, "http");

    /// <summary>The Standard Webhooks form of the secret: <c>whsec_</c> and the key in base64 (a generated value is base64 already).</summary>
    public ReferenceExpression SigningSecret => ReferenceExpression.Create($"whsec_{Secret}");
}

public static class ClassifierResourceBuilderExtensions
{
    /// <summary>
    /// Adds the classifier from <c>eng/classifier</c> (installed by scripts/prereqs.sh). Healthy once <c>/health</c>
    /// answers 200, which it does only after the model is loaded (a few seconds).
    /// </summary>
    public static IResourceBuilder<ClassifierResource> AddClassifier(
        this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ParameterResource> secret)
    {
        var directory = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "eng", "classifier"));
        builder.RequireCommand("node");
        builder.RequireFile(Path.Combine(directory, "node_modules", "nsfwjs", "package.json"), "The classifier's npm packages");
        var classifier = new ClassifierResource(name, directory, secret.Resource);

        return builder.AddResource(classifier)
            .WithArgs("server.js")
            .WithHttpEndpoint(env: "PORT")
            .WithEnvironment("HOST", "127.0.0.1")
            .WithEnvironment("CLASSIFIER_SECRET", classifier.SigningSecret)
            .WithHttpHealthCheck("/health")
            .WithRestartOnCrash();
    }

    /// <summary>
    /// The project asks this classifier: found by service discovery (<c>http://classifier</c>), its requests signed with
    /// the classifier's secret (<c>Classifier__Endpoint</c>, <c>Classifier__Secret</c>).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReference(
        this IResourceBuilder<ProjectResource> project, IResourceBuilder<ClassifierResource> classifier) =>
        project.WithReference((IResourceBuilder<IResourceWithServiceDiscovery>)classifier)
            .WithEnvironment("Classifier__Endpoint", $"http://{classifier.Resource.Name}")
            .WithEnvironment("Classifier__Secret", classifier.Resource.SigningSecret);
}
