using Scrapbook.Gateway.Apis;
using Scrapbook.Gateway.Extensions;
using Scrapbook.Gateway.Proxy;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

// First, so that its exception handler and status code pages wrap the gateway's own middleware too.
app.MapDefaultEndpoints();
app.UseGatewayPipeline();
app.MapMediaApi();
app.MapApiDocsApi();
app.MapQrCodeApi();
app.MapSharedPages();
app.MapReverseProxy(ProxyPipeline.Configure);
app.MapWebClient();

app.Run();
