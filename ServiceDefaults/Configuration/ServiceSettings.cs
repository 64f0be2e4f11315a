namespace Scrapbook.ServiceDefaults.Configuration;

/// <summary>
/// The settings one service reads from configuration, named in one place: what every deployment must give it
/// (<see cref="Required"/>: connection strings, the services it calls, secrets) and what it reads with defaults that a
/// deployment may override (<see cref="Optional"/>). Keys are configuration paths (<c>ConnectionStrings:blobs</c>,
/// <c>services:gallery-api</c>, <c>Admin:Key</c>); a key also covers everything below it, so <c>Uploads</c> covers
/// <c>Uploads:MaxBytes</c>. The deployment in <c>infra/</c> is checked against these in the test suite.
/// </summary>
public sealed class ServiceSettings
{
    public ServiceSettings(string service) => Service = service;

    /// <summary>The service's resource name: the AppHost's, the container app's and azure.yaml's.</summary>
    public string Service { get; }

    /// <summary>
    /// Settings every deployment must give: without them the service does not start, or (the admin key) lacks what the
    /// deployment needs. Each is met by any one of its keys.
    /// </summary>
    public IReadOnlyList<RequiredSetting> Required { get; init; } = [];

    /// <summary>Sections and keys read with defaults.</summary>
    public IReadOnlyList<string> Optional { get; init; } = [];

    public static string ConnectionString(string name) => $"ConnectionStrings:{name}";

    /// <summary>Where service discovery finds <paramref name="name"/>: <c>services:{name}:{scheme}:{index}</c>.</summary>
    public static string ServiceReference(string name) => $"services:{name}";

    /// <summary>Whether <paramref name="key"/> is <paramref name="declared"/> or below it, ignoring case as configuration does.</summary>
    public static bool Covers(string declared, string key) =>
        key.Equals(declared, StringComparison.OrdinalIgnoreCase)
        || (key.Length > declared.Length && key[declared.Length] == ':' && key.StartsWith(declared, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether <paramref name="key"/> is one of this service's settings, required or optional.</summary>
    public bool Declares(string key) =>
        Required.Any(r => r.AnyOf.Any(k => Covers(k, key))) || Optional.Any(k => Covers(k, key));
}

/// <summary>A setting a service needs, met by any one of <see cref="AnyOf"/> (the job queue: Service Bus or Storage Queues).</summary>
public sealed record RequiredSetting(params IReadOnlyList<string> AnyOf)
{
    /// <summary>It carries a key or password: a deployment gives it from a secret store, never as a plain value.</summary>
    public bool Secret { get; init; }

    public static implicit operator RequiredSetting(string key) => new(key);

    public override string ToString() => string.Join(" or ", AnyOf);
}
