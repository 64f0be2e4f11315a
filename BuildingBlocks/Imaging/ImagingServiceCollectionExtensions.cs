using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Scrapbook.Imaging;

public static class ImagingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IImageProbe"/> and <see cref="IThumbnailRenderer"/> (one libvips engine,
    /// initialised on first use) with <see cref="ImagingOptions"/> bound from "Imaging" and validated at start.
    /// </summary>
    public static TBuilder AddImaging<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ImagingOptions>()
            .BindConfiguration(ImagingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ImagingOptions>, ImagingOptionsValidator>();
        builder.Services.AddSingleton<VipsImaging>();
        builder.Services.AddSingleton<IImageProbe>(sp => sp.GetRequiredService<VipsImaging>());
        builder.Services.AddSingleton<IThumbnailRenderer>(sp => sp.GetRequiredService<VipsImaging>());
        return builder;
    }
}

/// <summary>What data annotations cannot say: the presets, which live in a dictionary.</summary>
internal sealed partial class ImagingOptionsValidator : IValidateOptions<ImagingOptions>
{
    public ValidateOptionsResult Validate(string? name, ImagingOptions options)
    {
        var failures = new List<string>();
        if (options.Presets.Count == 0)
        {
            failures.Add("Imaging:Presets must name at least one preset.");
        }

        foreach (var (presetName, preset) in options.Presets)
        {
            if (!PresetName().IsMatch(presetName))
            {
                failures.Add($"Imaging:Presets:{presetName}: a preset name is 1–32 of a-z, 0-9, '-' (it becomes part of blob keys).");
            }

            if (preset is null || preset.Width is < 1 or > RenditionPreset.MaxSide || preset.Height is < 1 or > RenditionPreset.MaxSide)
            {
                failures.Add($"Imaging:Presets:{presetName}: Width and Height must be between 1 and {RenditionPreset.MaxSide}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z0-9-]{1,32}$")]
    private static partial Regex PresetName();
}
