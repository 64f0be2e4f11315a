// Roles for the Hosting tests, all real processes:
//   service <dir>            a minimal web service: writes its environment to <dir>, then answers /health.
//   apphost <state>          an AppHost whose children are two `sleep` replicas and redis-server.
//   apphost <state> postgres the same with a PostgreSQL server and a database as well.
using Scrapbook.Hosting;

if (args is ["service", var directory])
{
    var instance = Environment.GetEnvironmentVariable("OTEL_RESOURCE_ATTRIBUTES")?.Split('=')[^1] ?? "unknown";
    var lines = Environment.GetEnvironmentVariables().Keys.Cast<string>().Order().Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}");
    var file = Path.Combine(directory, instance + ".env");
    File.WriteAllLines(file + ".tmp", lines);
    File.Move(file + ".tmp", file);
    var web = WebApplication.Create();
    web.MapGet("/health", () => "Healthy");
    web.Run();
    return 0;
}

if (args is ["apphost", var state, .. var extra] && extra is [] or ["postgres"])
{
    var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { StateDirectory = state, AppHostDirectory = state, EnableDashboard = false });
    builder.AddExecutable("sleeper", "sleep", state, "600").WithReplicas(2);
    builder.AddRedis("redis");
    if (extra is ["postgres"])
    {
        builder.AddPostgres("postgres").AddDatabase("db");
    }

    await using var app = builder.Build();
    await app.RunAsync();
    return 0;
}

Console.Error.WriteLine("usage: service <dir> | apphost <state-dir> [postgres]");
return 2;
