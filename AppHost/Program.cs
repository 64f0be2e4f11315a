using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

var adminKey = builder.AddParameter("admin-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
// Signs the worker's requests to the classifier; 32 letters and digits are valid base64, as the key must be.
var classifierSecret = builder.AddParameter("classifier-secret", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

var redis = builder.AddRedisServer("redis");
var storage = builder.AddAzurite("storage");
var blobs = storage.AddBlobs("blobs");
var queues = storage.AddQueues("queues");
IResourceBuilder<IResourceWithConnectionString> gallerydb = builder.Configuration["Database"] == "postgres" // --Database postgres; SQLite by default
    ? builder.AddPostgresServer("postgres").AddDatabase("gallerydb")
    : builder.AddSqliteDatabase("gallerydb");
var classifier = builder.AddClassifier("classifier", classifierSecret); // moderation auto (docs/classifier.md)

var gallery = builder.AddProject<Projects.Scrapbook_Gallery_Api>("gallery-api")
    .WithHttpEndpoint()
    .WithReference(gallerydb).WithReference(blobs).WithReference(queues).WithReference(redis)
    .WithEnvironment("Admin__Key", adminKey)
    // Webhook receivers on this machine only when asked for: the development launch profile does (docs/operations.md).
    .WithEnvironment("Webhooks__AllowLoopback", builder.Configuration["Webhooks:AllowLoopback"] ?? "false")
    .WithHttpHealthCheck("/health")
    .WithRestartOnCrash()
    .WaitFor(gallerydb).WaitFor(blobs).WaitFor(queues).WaitFor(redis);

// Stateless: two replicas, which the gateway balances (see ServiceReplicas for why not WithReplicas).
var upload = builder.AddServiceReplicas<Projects.Scrapbook_Upload_Api>("upload-api", 2, replica => replica
    .WithHttpEndpoint()
    .WithReference(blobs).WithReference(redis).WithReference(gallery)
    .RequiresNativeLibrary("libvips.so.42")
    .WithHttpHealthCheck("/health")
    .WithRestartOnCrash()
    .WaitFor(blobs).WaitFor(gallery));

builder.AddProject<Projects.Scrapbook_Thumbnail_Worker>("thumbnail-worker")
    .WithHttpEndpoint()
    .WithReference(blobs).WithReference(queues).WithReference(redis).WithReference(gallery).WithReference(classifier)
    .RequiresNativeLibrary("libvips.so.42")
    .WithReplicas(2)
    .WithHttpHealthCheck("/health")
    .WithRestartOnCrash()
    .WaitFor(blobs).WaitFor(queues).WaitFor(redis).WaitFor(gallery).WaitFor(classifier);

var notify = builder.AddProject<Projects.Scrapbook_Notify_Api>("notify-api")
    .WithHttpEndpoint()
    .WithReference(redis).WithReference(gallery)
    .WithHttpHealthCheck("/health")
    .WithRestartOnCrash()
    .WaitFor(redis).WaitFor(gallery);

builder.AddProject<Projects.Scrapbook_Gateway>("gateway")
    // Not behind the orchestrator's proxy, which would make every client 127.0.0.1 to the gateway's per-address rate limits.
    .WithHttpEndpoint(port: builder.Configuration.GetValue("Gateway:Port", 8080), isProxied: false)
    .WithExternalHttpEndpoints()
    .DisableForwardedHeaders() // the gateway trusts X-Forwarded-* only from Gateway:TrustedProxies
    .WithReference(blobs).WithReference(upload).WithReference(gallery).WithReference(notify)
    .WithHttpHealthCheck("/health")
    .WithRestartOnCrash()
    .WaitFor(upload).WaitFor(gallery).WaitFor(notify)
    .WithPartyHttps(builder.Configuration) // --Party:Certificate cert.pem: HTTPS on the LAN (docs/hosting-a-party.md)
    .WithReadyAnnouncement("Scrapbook");

builder.Build().Run();
