using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;
using Yarp.ReverseProxy;
using Microsoft.Extensions.DependencyInjection;

namespace Scrapbook.Gateway.Tests;

/// <summary>The proxy's behaviour against a loopback destination: streaming, aborts, headers, limits, failures, replicas.</summary>
public sealed class ProxyTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task FiftyMegabyteUploadStreamsThroughWithoutTheGatewayHoldingIt()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        const long size = 50L * 1024 * 1024;
        fixture.Upstream.Handle("/api/uploads", async context =>
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                total += read;
            }

            await context.Response.WriteAsync(total.ToString(System.Globalization.CultureInfo.InvariantCulture), context.RequestAborted);
        });
        using var client = fixture.CreateClient();
        // Warm up connections and JIT so the measurement sees the steady state of one upload.
        await SendUploadAsync(client, 1024 * 1024, cancellationToken);

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var received = await SendUploadAsync(client, size, cancellationToken);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        Assert.Equal(size, received);
        // Client, gateway and destination share this process; a buffering hop alone would allocate the 50 MB.
        Assert.True(allocated < 12 * 1024 * 1024, $"{allocated / 1024 / 1024} MB allocated while 50 MB went through");
    }

    [Fact]
    public async Task ClientAbortCancelsTheUpstreamRequest()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var upstreamSawAbort = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Upstream.Handle("/api/photos/slow", async context =>
        {
            await context.Response.WriteAsync("first bytes\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(2), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                upstreamSawAbort.TrySetResult();
            }
        });

        using var client = fixture.CreateClient();
        using (var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            using var response = await client.GetAsync("/api/photos/slow", HttpCompletionOption.ResponseHeadersRead, abort.Token);
            var body = await response.Content.ReadAsStreamAsync(abort.Token);
            Assert.True(await body.ReadAsync(new byte[64], abort.Token) > 0);
            await abort.CancelAsync();
        }

        await upstreamSawAbort.Task.WaitAsync(s_deadline, cancellationToken);
    }

    [Fact]
    public async Task UpstreamDownIsAnswered502WithProblemDetails()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = fixture.CreateClient();

        using var response = await client.GetAsync(ProxyFixture.DeadRoute + "/anything", cancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        Assert.Equal("https://scrapbook.dev/problems/bad-gateway", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(502, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task DestinationSilentPastTheIdleTimeoutIsAnswered504()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        fixture.Upstream.Handle(ProxyFixture.SlowRoute + "/thinking", async context =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        using var client = fixture.CreateClient();

        using var response = await client.GetAsync(ProxyFixture.SlowRoute + "/thinking", cancellationToken);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        await AssertProblemTypeAsync(response, "https://scrapbook.dev/problems/gateway-timeout", cancellationToken);
    }

    [Fact]
    public async Task HopByHopHeadersAreStrippedBothWays()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        fixture.Upstream.Handle("/api/photos/headers", async context =>
        {
            context.Response.Headers["Proxy-Authenticate"] = "Basic";
            context.Response.Headers["X-Upstream"] = "yes";
            await context.Response.WriteAsync(EchoHeaders(context.Request), context.RequestAborted);
        });
        // Raw bytes, so that exactly these headers leave the client (HttpClient manages Connection itself). No
        // keep-alive token: Kestrel then reports the Connection header as just "keep-alive", hiding the others.
        var raw = await RawHttp.SendAsync(fixture.Gateway.BaseAddress,
            "GET /api/photos/headers HTTP/1.1\r\n" +
            $"Host: {fixture.Gateway.BaseAddress.Authority}\r\n" +
            "Connection: X-Session-Hop\r\n" +
            "X-Session-Hop: for the next hop only\r\n" +
            "Keep-Alive: timeout=5\r\n" +
            "Proxy-Authorization: Basic c2VjcmV0\r\n" +
            "TE: trailers\r\n" +
            "X-End-To-End: kept\r\n\r\n",
            cancellationToken);
        using var response = raw.Response;
        var seen = await ReadEchoAsync(response, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("kept", seen["x-end-to-end"]);
        Assert.DoesNotContain("x-session-hop", seen.Keys);
        Assert.DoesNotContain("keep-alive", seen.Keys);
        Assert.DoesNotContain("proxy-authorization", seen.Keys);
        Assert.DoesNotContain("te", seen.Keys);
        Assert.True(response.Headers.Contains("X-Upstream"));
        Assert.False(response.Headers.Contains("Proxy-Authenticate"));
    }

    [Fact]
    public async Task ForwardedHeadersNameTheClientTheSchemeAndTheHostAndWhatTheClientWroteIsDropped()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        fixture.Upstream.Handle("/api/photos/forwarded", context => context.Response.WriteAsync(EchoHeaders(context.Request), context.RequestAborted));
        using var client = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/photos/forwarded?x=1");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        request.Headers.TryAddWithoutValidation("Forwarded", "for=203.0.113.9;proto=https");

        using var response = await client.SendAsync(request, cancellationToken);
        var seen = await ReadEchoAsync(response, cancellationToken);

        Assert.Equal("127.0.0.1", seen["x-forwarded-for"]);
        Assert.Equal("http", seen["x-forwarded-proto"]);
        Assert.Equal(fixture.Gateway.BaseAddress.Authority, seen["x-forwarded-host"]);
        Assert.DoesNotContain("forwarded", seen.Keys);
    }

    [Fact]
    public async Task DeclaredBodyOverTheRouteLimitIsAnswered413WithoutTheServiceHearingOfIt()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var reached = 0;
        fixture.Upstream.Handle("/api/photos/declared", async context =>
        {
            Interlocked.Increment(ref reached);
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        });
        using var client = fixture.CreateClient();

        // /api/photos takes the default limit (64 KiB).
        using var response = await client.PostAsync("/api/photos/declared", new ByteArrayContent(new byte[100 * 1024]), cancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertProblemTypeAsync(response, ProblemTypes.TooLarge, cancellationToken);
        Assert.Equal(0, Volatile.Read(ref reached));
        Assert.DoesNotContain("/api/photos/declared", fixture.Upstream.ReceivedPaths);
    }

    /// <summary>
    /// What is guaranteed for a chunked body, which has no length to check up front: the request may reach the
    /// service, but the service never reads a complete body (its read fails once the limit is passed, never ends
    /// cleanly), it never gets much more than the limit, and the client is answered 413.
    /// </summary>
    [Fact]
    public async Task ChunkedBodyOverTheRouteLimitIsCutMidStreamSoTheServiceNeverReadsItWholeAndTheClientGets413()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        const int limit = 64 * 1024;
        var bodyRead = new TaskCompletionSource<(bool Completed, long Bytes)>(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Upstream.Handle("/api/photos/chunked", async context =>
        {
            long bytes = 0;
            var buffer = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    bytes += read;
                }

                bodyRead.TrySetResult((true, bytes));
                await context.Response.WriteAsync("stored", context.RequestAborted);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or BadHttpRequestException)
            {
                bodyRead.TrySetResult((false, bytes));
            }
        });
        var chunk = new string('x', 32 * 1024);
        var chunkedRequest = new StringBuilder()
            .Append("POST /api/photos/chunked HTTP/1.1\r\n")
            .Append($"Host: {fixture.Gateway.BaseAddress.Authority}\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (var i = 0; i < 8; i++)
        {
            chunkedRequest.Append("8000\r\n").Append(chunk).Append("\r\n");
        }

        var streamed = await RawHttp.SendAsync(fixture.Gateway.BaseAddress, chunkedRequest.Append("0\r\n\r\n").ToString(), cancellationToken);
        var (completed, bytes) = await bodyRead.Task.WaitAsync(s_deadline, cancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.Status);
        Assert.False(completed, $"the service read a complete body of {bytes} bytes");
        Assert.True(bytes <= 2 * limit, $"the service received {bytes} bytes past a {limit}-byte limit");
    }

    [Fact]
    public async Task UploadRouteTakesAFiftyMegabyteImageButNotMore()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var reached = 0;
        fixture.Upstream.Handle("/api/uploads", async context =>
        {
            Interlocked.Increment(ref reached);
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        });

        // Only the head: the gateway must answer from the declared length alone.
        var answer = await RawHttp.SendAsync(fixture.Gateway.BaseAddress,
            $"POST /api/uploads HTTP/1.1\r\nHost: {fixture.Gateway.BaseAddress.Authority}\r\nContent-Type: image/jpeg\r\n" +
            $"Authorization: Bearer {OwnerToken.Create()}\r\nContent-Length: {60L * 1024 * 1024}\r\n\r\n", cancellationToken);
        using var response = answer.Response;

        Assert.Equal(0, Volatile.Read(ref reached));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertProblemTypeAsync(response, ProblemTypes.TooLarge, cancellationToken);
    }

    [Fact]
    public async Task UploadRateLimitRejectsOneOwnerWith429WhileAnotherStillGetsThrough()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        fixture.Upstream.Handle("/api/uploads/url", context => context.Response.WriteAsync("accepted", context.RequestAborted));
        using var client = fixture.CreateClient();
        var busy = OwnerToken.Create();
        var other = OwnerToken.Create();

        for (var i = 0; i < ProxyFixture.UploadPermits; i++)
        {
            using var allowed = await PostUploadAsync(client, busy, cancellationToken);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var limited = await PostUploadAsync(client, busy, cancellationToken);
        using var otherOwner = await PostUploadAsync(client, other, cancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without a positive Retry-After");
        await AssertProblemTypeAsync(limited, ProblemTypes.RateLimited, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, otherOwner.StatusCode);
    }

    [Fact]
    public async Task RotatingOwnerTokensFromOneAddressStillHit429WhileAnotherAddressGetsThrough()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        fixture.Upstream.Handle("/api/uploads/url", context => context.Response.WriteAsync("accepted", context.RequestAborted));
        // Two clients told apart only by their real source address (the gateway listens on 127.0.0.1).
        using var rotating = fixture.CreateClientFrom(IPAddress.Parse("127.0.0.2"));
        using var neighbour = fixture.CreateClientFrom(IPAddress.Parse("127.0.0.3"));

        for (var i = 0; i < ProxyFixture.ClientAddressPermits; i++)
        {
            using var allowed = await PostUploadAsync(rotating, OwnerToken.Create(), cancellationToken, forwardedFor: $"198.51.100.{i}");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // A new token and a new X-Forwarded-For (which the client writes itself, so it is not believed) change nothing.
        using var limited = await PostUploadAsync(rotating, OwnerToken.Create(), cancellationToken, forwardedFor: "198.51.100.200");
        using var otherAddress = await PostUploadAsync(neighbour, OwnerToken.Create(), cancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without a positive Retry-After");
        await AssertProblemTypeAsync(limited, ProblemTypes.RateLimited, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, otherAddress.StatusCode);
    }

    [Theory]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2:bbbb:cccc:dddd:2")]
    [InlineData("::ffff:203.0.113.5", "203.0.113.5")]
    public void AddressesOfOneSubscriberShareTheirRateLimit(string one, string other)
    {
        Assert.Equal(
            Proxy.RateLimits.ClientPartition(IPAddress.Parse(one)),
            Proxy.RateLimits.ClientPartition(IPAddress.Parse(other)));
        Assert.NotEqual(
            Proxy.RateLimits.ClientPartition(IPAddress.Parse("2001:db8:1:3::1")),
            Proxy.RateLimits.ClientPartition(IPAddress.Parse("2001:db8:1:2::1")));
    }

    [Fact]
    public async Task BehindATrustedProxyTheClientAddressComesFromItsForwardedForAndIsLimitedByIt()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        fixture.Upstream.Handle("/api/uploads/url", context => context.Response.WriteAsync("accepted", context.RequestAborted));
        // 127.0.0.4 plays the cloud ingress in front of the gateway; it appends the real client to X-Forwarded-For.
        using var ingress = fixture.CreateClientFrom(IPAddress.Parse(ProxyFixture.TrustedProxy));

        for (var i = 0; i < ProxyFixture.ClientAddressPermits; i++)
        {
            // Whatever the client itself wrote stands left of what the ingress appended, and is not believed.
            using var allowed = await PostUploadAsync(ingress, OwnerToken.Create(), cancellationToken, forwardedFor: $"10.9.9.{i}, 203.0.113.7");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var limited = await PostUploadAsync(ingress, OwnerToken.Create(), cancellationToken, forwardedFor: "203.0.113.7");
        using var anotherClient = await PostUploadAsync(ingress, OwnerToken.Create(), cancellationToken, forwardedFor: "203.0.113.8");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(HttpStatusCode.OK, anotherClient.StatusCode);
    }

    [Theory]
    [InlineData("/internal/settings")]
    [InlineData("/internal/photos")]
    [InlineData("/INTERNAL/events?after=0")]
    public async Task InternalEndpointsAreNotFoundFromOutside(string path)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = fixture.CreateClient();

        using var get = await client.GetAsync(path, cancellationToken);
        using var post = await client.PostAsync(path, new StringContent("{}"), cancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.DoesNotContain(fixture.Upstream.ReceivedPaths, p => p.StartsWith("/internal", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("/api/photos/../../internal/settings")]
    [InlineData("/api/photos/%2e%2e/%2e%2e/internal/settings")]
    [InlineData("/api/photos/..%2F..%2Finternal/settings")]
    [InlineData("/api/photos/%2E%2E%2F%2E%2E%2Finternal%2Fsettings")]
    [InlineData("/api/photos/..\\..\\internal/settings")]
    [InlineData("//internal/settings")]
    [InlineData("/%69nternal/settings")]
    [InlineData("/api/photos/%00/../../internal/settings")]
    public async Task PathTricksNeverReachAnInternalEndpoint(string path)
    {
        var cancellationToken = TestContext.Current.CancellationToken;

        var answer = await RawHttp.SendAsync(fixture.Gateway.BaseAddress,
            $"GET {path} HTTP/1.1\r\nHost: {fixture.Gateway.BaseAddress.Authority}\r\nConnection: close\r\n\r\n", cancellationToken);
        using var response = answer.Response;

        // Either the gateway refuses it, or it goes to a public route as one odd segment (%2F and \\ do not separate
        // segments) that the service does not know: never to a service's /internal endpoint.
        Assert.True(answer.Status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path} was answered {(int)answer.Status}");
        Assert.DoesNotContain(fixture.Upstream.ReceivedPaths, p => p.StartsWith("/internal", StringComparison.OrdinalIgnoreCase)
            || p.StartsWith("//", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerSentEventsReachTheClientBeforeTheNextOneIsWritten()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var writeSecond = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Upstream.Handle("/api/events", async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("id: 1\ndata: first\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await writeSecond.Task.WaitAsync(context.RequestAborted);
            await context.Response.WriteAsync("id: 2\ndata: second\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        });
        using var client = fixture.CreateClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_deadline);

        using var response = await client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token), Encoding.UTF8);
        var firstSeen = await ReadUntilAsync(reader, "data: first", timeout.Token);
        writeSecond.SetResult();
        var secondSeen = await ReadUntilAsync(reader, "data: second", timeout.Token);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(firstSeen && secondSeen);
    }

    [Fact]
    public async Task AnEventStreamThatOnlyHeartbeatsOutlivesTheActivityTimeoutWhileASilentOneIsCut()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // The slow route's activity timeout is 1 s; this stream stays 3 s without an event, with a heartbeat every 300 ms.
        fixture.Upstream.Handle(ProxyFixture.SlowRoute + "/events", async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.Body.FlushAsync(context.RequestAborted);
            for (var i = 0; i < 10; i++)
            {
                await Task.Delay(300, context.RequestAborted);
                await context.Response.WriteAsync(": heartbeat\n\n", context.RequestAborted);
            }

            await context.Response.WriteAsync("data: still here\n\n", context.RequestAborted);
        });
        fixture.Upstream.Handle(ProxyFixture.SlowRoute + "/silent-events", async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        });
        using var client = fixture.CreateClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_deadline);

        using var heartbeating = await client.GetAsync(ProxyFixture.SlowRoute + "/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await heartbeating.Content.ReadAsStreamAsync(timeout.Token), Encoding.UTF8);
        var lastEventSeen = await ReadUntilAsync(reader, "data: still here", timeout.Token);
        using var silent = await client.GetAsync(ProxyFixture.SlowRoute + "/silent-events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var cut = await Assert.ThrowsAnyAsync<Exception>(() => silent.Content.ReadAsStringAsync(timeout.Token));

        Assert.True(lastEventSeen);
        Assert.IsNotType<OperationCanceledException>(cut);
    }

    [Fact]
    public async Task RequestsReachTheLiveReplicaWhileAnotherReplicaRefusesConnectionsAndTheRefusingOneIsTakenOutByItsHealthProbe()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        fixture.Upstream.Handle(ProxyFixture.ReplicatedRoute + "/alive", context => context.Response.WriteAsync("alive", context.RequestAborted));
        fixture.Upstream.Handle(ProxyFixture.ReplicatedRoute + "/photo", context => context.Response.WriteAsync("live", context.RequestAborted));
        var proxyState = fixture.Gateway.Services.GetRequiredService<IProxyStateLookup>();
        using var client = fixture.CreateClient();

        // Whichever replica load balancing picks, a refused connection is retried on the other one.
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.PostAsync(ProxyFixture.ReplicatedRoute + "/photo", new StringContent("{}"), cancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(proxyState.TryGetCluster("replicated-api", out var cluster));
        Assert.Equal(2, cluster.Destinations.Count);
        var deadline = DateTime.UtcNow + s_deadline;
        while (cluster.DestinationsState.AvailableDestinations.Count != 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }

        var available = Assert.Single(cluster.DestinationsState.AvailableDestinations);
        Assert.Equal(fixture.Upstream.BaseAddress.Authority, new Uri(available.Model.Config.Address).Authority);
    }

    [Fact]
    public async Task ResponsesCarryTheSecurityHeaders()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        fixture.Upstream.Handle("/api/photos", context => context.Response.WriteAsJsonAsync(new { items = Array.Empty<int>() }, context.RequestAborted));
        using var client = fixture.CreateClient();

        foreach (var path in new[] { "/api/photos", "/", "/nowhere" })
        {
            using var response = await client.GetAsync(path, cancellationToken);
            var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            var directives = csp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .ToDictionary(d => d.Split(' ')[0], d => d);
            // What the web client needs (ThumbHash data: URLs, blob: previews of files being uploaded, SSE and fetch
            // to itself) and no more: no inline script or style, no plugins, never framed.
            Assert.Equal("default-src 'self'", directives["default-src"]);
            Assert.Equal("script-src 'self'", directives["script-src"]);
            Assert.Equal("style-src 'self'", directives["style-src"]);
            Assert.Equal("img-src 'self' data: blob:", directives["img-src"]);
            Assert.Equal("connect-src 'self'", directives["connect-src"]);
            Assert.Equal("object-src 'none'", directives["object-src"]);
            Assert.Equal("base-uri 'self'", directives["base-uri"]);
            Assert.Equal("form-action 'self'", directives["form-action"]);
            Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
            Assert.DoesNotContain("unsafe-", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
            Assert.Contains("microphone=()", Assert.Single(response.Headers.GetValues("Permissions-Policy")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConfiguredOriginPassesTheCorsPreflightAndOthersDoNot()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = fixture.CreateClient();

        using var allowed = await client.SendAsync(Preflight("https://extension.example"), cancellationToken);
        using var refused = await client.SendAsync(Preflight("https://evil.example"), cancellationToken);

        Assert.Equal("https://extension.example", Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        static HttpRequestMessage Preflight(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "/api/uploads");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            return request;
        }
    }

    private static async Task<long> SendUploadAsync(HttpClient client, long size, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads")
        {
            Content = new StreamContent(new ZeroStream(size), 64 * 1024),
        };
        request.Content.Headers.ContentLength = size;
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OwnerToken.Create());
        using var response = await client.SendAsync(request, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return long.Parse(await response.Content.ReadAsStringAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task<HttpResponseMessage> PostUploadAsync(HttpClient client, string token, CancellationToken cancellationToken, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads/url") { Content = new StringContent("{}") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (forwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        }

        return client.SendAsync(request, cancellationToken);
    }

    private static async Task<bool> ReadUntilAsync(StreamReader reader, string expected, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line == expected)
            {
                return true;
            }
        }

        return false;
    }

    private static string EchoHeaders(HttpRequest request) =>
        JsonSerializer.Serialize(request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()));

    private static async Task<Dictionary<string, string>> ReadEchoAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(await response.Content.ReadAsStringAsync(cancellationToken))!;

    internal static async Task AssertProblemTypeAsync(HttpResponseMessage response, string type, CancellationToken cancellationToken)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        Assert.Equal(type, problem.RootElement.GetProperty("type").GetString());
    }

    /// <summary>A body of <c>length</c> zero bytes that costs no memory to produce.</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, length - _position);
            buffer[..count].Clear();
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
