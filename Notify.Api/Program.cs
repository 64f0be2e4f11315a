using Scrapbook.ServiceDefaults.OpenApi;
using Scrapbook.Notify.Api.Apis;
using Scrapbook.Notify.Api.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.MapScrapbookOpenApi();
app.MapEventsApi();

app.Run();
