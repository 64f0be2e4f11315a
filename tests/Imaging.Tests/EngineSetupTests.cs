using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scrapbook.Imaging.Interop;
using Scrapbook.Imaging.Tests.Support;

namespace Scrapbook.Imaging.Tests;

public sealed class EngineSetupTests : CorpusTest
{
    [Theory]
    [InlineData("svgload_source")]
    [InlineData("magickload_buffer")]
    [InlineData("matrixload_source")]
    [InlineData("vipsload_source")]
    [InlineData("ppmload_source")]
    public void UntrustedAndUnlistedLoadersCannotRunInThisProcess(string loader)
    {
        _ = Engine.Create();
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>"u8.ToArray();
        var memory = NativeBuffer.Allocate(svg.Length);
        try
        {
            NativeBuffer.Write(memory, 0, svg);
            using var source = VipsSourceHandle.FromMemory(memory, (nuint)svg.Length);
            using var operation = VipsOperation.Create(loader).Set("source", source);

            var blocked = Assert.Throws<VipsException>(() => operation.Build());

            Assert.Contains("blocked", blocked.Message, StringComparison.Ordinal);
        }
        finally
        {
            NativeBuffer.Free(memory);
        }
    }

    [Fact]
    public void AddImagingBindsTheImagingSectionAndServesOneEngine()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Imaging:MaxMegapixels"] = "24";
        builder.Configuration["Imaging:Format"] = "Jpeg";
        builder.Configuration["Imaging:Presets:large:Width"] = "2048";
        builder.Configuration["Imaging:Presets:large:Height"] = "2048";
        builder.AddImaging();
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<ImagingOptions>>().Value;
        Assert.Equal(24, options.MaxMegapixels);
        Assert.Equal(OutputFormat.Jpeg, options.Format);
        Assert.Equal(
            ["large:2048x2048:Fit", "small:640x640:Fit", "thumb:256x256:SmartCrop"],
            options.GetPresets().Select(p => $"{p.Name}:{p.Width}x{p.Height}:{p.Fit}"));
        Assert.Same(host.Services.GetRequiredService<IImageProbe>(), host.Services.GetRequiredService<IThumbnailRenderer>());
    }

    [Theory]
    [InlineData("Imaging:MaxBytes", "0", "MaxBytes")]
    [InlineData("Imaging:Quality", "101", "Quality")]
    [InlineData("Imaging:Presets:Huge Preset:Width", "100", "Huge Preset")]
    [InlineData("Imaging:Presets:thumb:Width", "0", "thumb")]
    public async Task MisconfiguredImagingFailsAtStartNamingTheSetting(string key, string value, string named)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration[key] = value;
        builder.AddImaging();
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Cancellation));

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }
}
