using Scrapbook.ServiceDefaults.OpenApi;
using Scrapbook.Upload.Api.Apis;
using Scrapbook.Upload.Api.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.MapScrapbookOpenApi();
app.MapSessionApi();
app.MapUploadsApi();
app.MapDirectUploadsApi();

app.Run();
