using Microsoft.Extensions.Configuration;
using Scrapbook.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

var adminKey = builder.AddParameter("admin-key", secret: true);
var redis = builder.AddRedis("redis");
var storage = builder.AddAzurite("storage");
var blobs = storage.AddBlobs("blobs");
var queues = storage.AddQueues("queues");
var gallerydb = builder.Configuration["Database"] == "postgres" // --Database=postgres; SQLite by default
    ? builder.AddPostgres("postgres").AddDatabase("gallerydb")
    : builder.AddSqlite("gallerydb");

var gallery = builder.AddProject<Projects.Scrapbook_Gallery_Api>("gallery-api")
    .WithReference(gallerydb).WithReference(blobs).WithReference(queues).WithReference(redis)
    .WithEnvironment("Admin__Key", adminKey)
    .WithHttpHealthCheck("/health")
    .WaitFor(gallerydb).WaitFor(storage).WaitFor(redis);

var upload = builder.AddProject<Projects.Scrapbook_Upload_Api>("upload-api")
    .WithReference(blobs).WithReference(gallery)
    .WithHttpHealthCheck("/health")
    .WaitFor(storage).WaitFor(gallery);

builder.AddProject<Projects.Scrapbook_Thumbnail_Worker>("thumbnail-worker")
    .WithReference(blobs).WithReference(queues).WithReference(gallery)
    .WithReplicas(2)
    .WithHttpHealthCheck("/health")
    .WaitFor(storage).WaitFor(gallery);

var notify = builder.AddProject<Projects.Scrapbook_Notify_Api>("notify-api")
    .WithReference(redis).WithReference(gallery)
    .WithHttpHealthCheck("/health")
    .WaitFor(redis).WaitFor(gallery);

var gatewayPort = builder.Configuration.GetValue("Gateway:Port", 8080);
var gateway = builder.AddProject<Projects.Scrapbook_Gateway>("gateway")
    .WithHttpEndpoint(port: gatewayPort)
    .WithExternalHttpEndpoints()
    .WithReference(blobs).WithReference(upload).WithReference(gallery).WithReference(notify)
    .WithHttpHealthCheck("/health")
    .WaitFor(upload).WaitFor(gallery).WaitFor(notify);

await using var app = builder.Build();
app.Started += () => Console.WriteLine($"""

    Scrapbook is running.
      gateway:   {gateway.Resource.GetEndpointUrl("http")}
      dashboard: {app.DashboardLoginUrl ?? "off"}
      admin key: in {app.ParametersFile} ("admin-key")
      data:      {builder.DataDirectory}
    Press Ctrl+C to stop. --verbose prints every resource's console output.

    """);
await app.RunAsync();
