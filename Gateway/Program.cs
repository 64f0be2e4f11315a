using Scrapbook.Gateway.Apis;
using Scrapbook.Gateway.Extensions;
using Scrapbook.Gateway.Hosting;
using Scrapbook.Gateway.Proxy;

// Before anything opens a socket: the socket engine reads its scheduling mode once (see GatewayRuntime).
var inlineSockets = GatewayRuntime.UseInlineSocketCompletions(typeof(Program).Assembly);

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
GatewayRuntime.Configure(builder, inlineSockets);

var app = builder.Build();
GatewayRuntime.LogSchedulingMode(app.Logger, inlineSockets);

// First, so that its exception handler and status code pages wrap the gateway's own middleware too.
app.MapDefaultEndpoints();
app.UseGatewayPipeline();
app.MapMediaApi();
app.MapReverseProxy(ProxyPipeline.Configure);
app.MapWebClient();

app.Run();
