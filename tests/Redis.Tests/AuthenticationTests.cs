using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Scrapbook.Testing;
using static Scrapbook.Redis.Tests.TestRedis;

namespace Scrapbook.Redis.Tests;

public sealed class AuthenticationTests
{
    [Fact]
    public async Task APasswordFromTheConnectionStringIsSentAndCommandsWork()
    {
        await using var server = await StartAsync(password: "correct horse");
        await using var client = Client(server.ConnectionString);

        Assert.True(await client.StringSetAsync("authed", "yes", cancellationToken: Ct));
        Assert.Equal("yes", await client.StringGetAsync("authed", Ct));
    }

    [Fact]
    public async Task AWrongPasswordGivesAClearAuthenticationError()
    {
        await using var server = await StartAsync(password: "correct horse");
        await using var client = Client($"127.0.0.1:{server.Port},password=battery staple");

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.PingAsync(Ct));

        Assert.StartsWith($"Authentication with Redis at 127.0.0.1:{server.Port} failed: WRONGPASS", error.Message, StringComparison.Ordinal);
        Assert.Equal("WRONGPASS", Assert.IsType<RedisServerException>(error.InnerException).Prefix);
        Assert.DoesNotContain("battery staple", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoPasswordAgainstAProtectedServerSurfacesRedisNoAuthError()
    {
        await using var server = await StartAsync(password: "correct horse");
        await using var client = Client($"127.0.0.1:{server.Port}");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => client.PingAsync(Ct));

        Assert.Equal("NOAUTH", error.Prefix);
    }

    [Fact]
    public async Task AnAclUserAndPasswordAuthenticateAsThatUser()
    {
        await using var server = await StartAsync(password: "admin secret");
        Assert.Equal("OK\n", await CliAsync(server, "ACL", "SETUSER", "gallery", "on", ">gallery secret", "~photos:*", "+@all"));
        await using var client = Client($"127.0.0.1:{server.Port},user=gallery,password=gallery secret");

        Assert.True(await client.StringSetAsync("photos:1", "ok", cancellationToken: Ct));
        var denied = await Assert.ThrowsAsync<RedisServerException>(() => client.StringSetAsync("other:1", "no", cancellationToken: Ct));
        Assert.Equal("NOPERM", denied.Prefix);
    }

    [Fact]
    public async Task TlsConnectionsWorkWhenTheServerCertificateIsTrusted()
    {
        await using var tls = await TlsRedis.StartAsync();
        var options = RedisConnectionOptions.Parse($"127.0.0.1:{tls.Port},ssl=true,sslHost=localhost") with
        {
            CertificateValidation = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == tls.Certificate.GetCertHashString(),
        };
        await using var client = new RedisClient(options);

        Assert.True(await client.StringSetAsync("over-tls", "sealed", cancellationToken: Ct));
        Assert.Equal("sealed", await client.StringGetAsync("over-tls", Ct));
        await client.StreamAddAsync("tls-stream", [new("a", "b")], cancellationToken: Ct);
        Assert.Single(await client.StreamReadAsync("tls-stream", "0", block: TimeSpan.FromSeconds(5), cancellationToken: Ct));
    }

    [Fact]
    public async Task AnUntrustedServerCertificateFailsTheTlsHandshakeClearly()
    {
        await using var tls = await TlsRedis.StartAsync();
        await using var client = new RedisClient($"127.0.0.1:{tls.Port},ssl=true,sslHost=localhost");

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.PingAsync(Ct));

        Assert.StartsWith($"TLS handshake with Redis at 127.0.0.1:{tls.Port} failed", error.Message, StringComparison.Ordinal);
    }

    /// <summary>redis-server with TLS only, on a self-signed certificate made for the test.</summary>
    private sealed class TlsRedis : IAsyncDisposable
    {
        private readonly TempDirectory _directory;
        private readonly ServerProcess _process;

        private TlsRedis(TempDirectory directory, ServerProcess process, int port, X509Certificate2 certificate)
        {
            _directory = directory;
            _process = process;
            Port = port;
            Certificate = certificate;
        }

        public int Port { get; }

        public X509Certificate2 Certificate { get; }

        public static async Task<TlsRedis> StartAsync()
        {
            var directory = new TempDirectory("scrapbook-redis-tls");
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, false, 0, critical: true));
            var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            var certPath = Path.Combine(directory.Path, "redis.crt");
            var keyPath = Path.Combine(directory.Path, "redis.key");
            await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem(), Ct);
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem(), Ct);

            var port = FreePort.Next();
            var process = await ServerProcess.StartAsync("/usr/bin/redis-server",
            [
                "--port", "0",
                "--tls-port", port.ToString(CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1",
                "--tls-cert-file", certPath,
                "--tls-key-file", keyPath,
                "--tls-ca-cert-file", certPath,
                "--tls-auth-clients", "no",
                "--dir", directory.Path,
                "--save", "",
                "--appendonly", "no",
            ]);
            if (!await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(20), () => process.HasExited, Ct))
            {
                await process.DisposeAsync();
                directory.Dispose();
                throw new InvalidOperationException($"redis-server with TLS did not start:{Environment.NewLine}{process.Output}");
            }

            return new TlsRedis(directory, process, port, certificate);
        }

        public async ValueTask DisposeAsync()
        {
            await _process.DisposeAsync();
            _directory.Dispose();
            Certificate.Dispose();
        }
    }
}
