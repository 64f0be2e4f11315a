using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;
using static Scrapbook.Hosting.Tests.HostingTestSupport;

namespace Scrapbook.Hosting.Tests;

/// <summary><c>AddPostgres(...).AddDatabase(...)</c>: Debian's PostgreSQL as a resource, and Scrapbook's AppHost opting into it.</summary>
public sealed class PostgresTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ADatabaseIsCreatedHandedOverWithAMaskedPasswordAndKeptBetweenRuns()
    {
        using var state = new TempDirectory("hosting");
        var envFile = Path.Combine(state.Path, "consumer.env");
        string connectionString;
        string password;
        List<int> pids;
        {
            await using var app = BuildModel(state, envFile);
            await app.StartAsync(Cancellation);
            await app.WaitForAllHealthyAsync(Cancellation).WaitAsync(TimeSpan.FromMinutes(2), Cancellation);
            var environment = await ReadEnvironmentFileAsync(envFile);
            connectionString = environment["ConnectionStrings__appdb"];
            password = app.GetResource<PostgresServerResource>("pg").PasswordParameter.Value;
            var server = app.GetSnapshots().Single(r => r.Name == "pg").Replicas[0];
            var consumer = app.GetSnapshots().Single(r => r.Name == "consumer").Replicas[0];

            Assert.Equal($"Host=127.0.0.1;Port={app.GetResource<PostgresServerResource>("pg").GetPort("tcp")};Username=postgres;Password={password};Database=appdb", connectionString);
            Assert.Matches("^[0-9a-f]{32}$", password);
            Assert.Contains($"\"pg-password\": \"{password}\"", await File.ReadAllTextAsync(app.ParametersFile, Cancellation), StringComparison.Ordinal);
            Assert.Equal(DistributedApplication.Mask, consumer.Environment["ConnectionStrings__appdb"]);
            Assert.Equal(DistributedApplication.Mask, server.Environment["POSTGRES_PASSWORD"]);
            if (Environment.UserName == "root")
            {
                Assert.Equal(PostgresServerResource.OperatingSystemUser, OwnerOf(server.ProcessId!.Value)); // PostgreSQL refuses root
            }

            await PsqlAsync(connectionString, "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('from the first run')");
            pids = [.. app.GetSnapshots().SelectMany(r => r.Replicas).Select(r => r.ProcessId!.Value)];
        }

        Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid), $"pid {pid} outlived the application"));
        File.Delete(envFile);

        await using var again = BuildModel(state, envFile);
        await again.StartAsync(Cancellation);
        await again.WaitForAllHealthyAsync(Cancellation).WaitAsync(TimeSpan.FromMinutes(2), Cancellation);
        var secondRun = (await ReadEnvironmentFileAsync(envFile))["ConnectionStrings__appdb"];

        Assert.Contains($"Password={password};", secondRun, StringComparison.Ordinal);
        Assert.Equal("from the first run", await PsqlAsync(secondRun, "SELECT value FROM kept"));
    }

    [Fact]
    public async Task WithDatabasePostgresTheAppHostsGalleryWritesPhotosToPostgres()
    {
        await using var host = await AppHostProcess.StartAsync(["--Database=postgres"], Cancellation);
        using var http = host.CreateGatewayClient();
        using var dashboard = host.CreateDashboardClient();
        using var resources = JsonDocument.Parse(await dashboard.GetStringAsync("/api/resources", Cancellation));
        var byName = resources.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.True(byName["postgres"].GetProperty("replicas")[0].GetProperty("isHealthy").GetBoolean());
        Assert.Equal(DistributedApplication.Mask, byName["gallery-api"].GetProperty("replicas")[0].GetProperty("environment").GetProperty("ConnectionStrings__gallerydb").GetString());

        var token = await ScrapbookClient.NewOwnerTokenAsync(http, Cancellation);
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(host.StateDirectory, "upload.jpg"), 640, 480, Cancellation);
        using var upload = await ScrapbookClient.UploadAsync(http, jpeg, "image/jpeg", token, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var photo = await ScrapbookClient.WaitUntilProcessedAsync(http, upload.Headers.Location!.ToString(), token, TimeSpan.FromMinutes(2), Cancellation);
        Assert.Equal(PhotoStatus.Ready, photo.Status);

        var port = byName["postgres"].GetProperty("endpoints")[0].GetString()!.Split(':')[^1];
        var gallerydb = $"Host=127.0.0.1;Port={port};Username=postgres;Password={host.ReadParameter("postgres-password")};Database=gallerydb";
        Assert.Equal("ready", await PsqlAsync(gallerydb, $"SELECT status FROM photos WHERE id = '{photo.Id}'"));
    }

    [Fact]
    public async Task ThePostgresServerAndItsBackendsDieWithTheAppHostWhenItIsKilledWithSigkill()
    {
        using var state = new TempDirectory("hosting");
        await using var host = await ServerProcess.StartAsync("dotnet", [TestAppHostAssembly, "apphost", state.Path, "postgres"]);
        List<int> postgres = [];
        try
        {
            // The postmaster runs as the postgres user when the AppHost is root: setpriv must set the death signal after switching.
            await Poll.UntilAsync(
                () => host.HasExited || ProcessTable.ChildrenOf(host.Id).FirstOrDefault(c => c.Command == "postgres") is var (pid, _) && pid != 0 && ProcessTable.ChildrenOf(pid).Count > 0,
                TimeSpan.FromSeconds(90),
                "the AppHost started PostgreSQL and its background processes");
            Assert.False(host.HasExited, host.Output);
            var postmaster = ProcessTable.ChildrenOf(host.Id).First(c => c.Command == "postgres").Pid;
            postgres = [postmaster, .. ProcessTable.ChildrenOf(postmaster).Select(c => c.Pid)];

            System.Diagnostics.Process.GetProcessById(host.Id).Kill(entireProcessTree: false);
            await host.WaitForExitAsync(Cancellation);

            await Poll.UntilAsync(() => !postgres.Exists(ProcessTable.IsAlive), TimeSpan.FromSeconds(15), "PostgreSQL is gone with its AppHost");
        }
        finally
        {
            foreach (var pid in postgres.Where(ProcessTable.IsAlive))
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
        }
    }

    private static DistributedApplication BuildModel(TempDirectory state, string envFile)
    {
        var builder = CreateBuilder(state);
        var database = builder.AddPostgres("pg").AddDatabase("appdb");
        builder.AddExecutable("consumer", "sh", state.Path, "-c", $"env > {envFile}.tmp && mv {envFile}.tmp {envFile}; exec sleep 600")
            .WithReference(database)
            .WaitFor(database);
        return builder.Build();
    }

    /// <summary>The process's real user, from the process table.</summary>
    private static string OwnerOf(int pid)
    {
        var uid = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1];
        return File.ReadLines("/etc/passwd").Select(l => l.Split(':')).First(f => f[2] == uid)[0];
    }

    /// <summary>Runs SQL with Debian's psql over TCP and returns its unaligned output (the test's own client, not the code under test).</summary>
    private static async Task<string> PsqlAsync(string connectionString, string sql)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string[] args = ["-h", (string)parts["Host"], "-p", (string)parts["Port"], "-U", (string)parts["Username"], "-d", (string)parts["Database"], "-X", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql];
        var output = await Tool.RunAsync(
            Path.Combine(PostgresServer.BinDirectory, "psql"),
            args,
            new Dictionary<string, string> { ["PGPASSWORD"] = (string)parts["Password"] },
            timeout: TimeSpan.FromSeconds(30),
            cancellationToken: Cancellation);
        return output.Trim();
    }
}
