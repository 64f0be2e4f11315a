using Scrapbook.ServiceDefaults.OpenApi;
using Scrapbook.Gallery.Api.Apis;
using Scrapbook.Gallery.Api.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.MapScrapbookOpenApi();
app.MapPhotosApi();
app.MapAlbumsApi();
app.MapSharesApi();
app.MapDevicesApi();
app.MapExportApi();
app.MapAdminApi();
app.MapWebhooksApi();
app.MapInternalApi();

app.Run();
