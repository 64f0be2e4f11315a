using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Scrapbook.ServiceDefaults.Tests;

public sealed class TelemetryConfigurationTests
{
    [Fact]
    public void TheServiceNameComesFromOtelServiceNameElseTheApplicationName()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Scrapbook.Sample" });
        builder.Configuration["OTEL_SERVICE_NAME"] = "";

        Assert.Equal("Scrapbook.Sample", ServiceTelemetry.GetServiceName(builder.Configuration, builder.Environment));

        builder.Configuration["OTEL_SERVICE_NAME"] = "gallery-api";
        Assert.Equal("gallery-api", ServiceTelemetry.GetServiceName(builder.Configuration, builder.Environment));
    }

    [Fact]
    public void FrameworkPerRequestLogsAreOffByDefaultAndConfigurationCanTurnThemBackOn()
    {
        var quiet = WebApplication.CreateBuilder();
        quiet.AddServiceDefaults();
        using (var app = quiet.Build())
        {
            var loggers = app.Services.GetRequiredService<ILoggerFactory>();
            Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
            Assert.False(loggers.CreateLogger("System.Net.Http.HttpClient.Default.LogicalHandler").IsEnabled(LogLevel.Information));
            Assert.False(loggers.CreateLogger("Polly").IsEnabled(LogLevel.Information));
            Assert.True(loggers.CreateLogger("Polly").IsEnabled(LogLevel.Warning));
            Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Warning));
            Assert.True(loggers.CreateLogger("Scrapbook.Gallery.Api.Outbox").IsEnabled(LogLevel.Information));
        }

        var verbose = WebApplication.CreateBuilder();
        verbose.Configuration["Logging:LogLevel:Microsoft.AspNetCore"] = "Information";
        verbose.AddServiceDefaults();
        using var verboseApp = verbose.Build();
        Assert.True(verboseApp.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
    }
}
