using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scrapbook.Cli;

/// <summary>
/// The site and owner token <c>scrapbook login</c> stored: <c>$XDG_CONFIG_HOME/scrapbook/config.json</c> (else
/// <c>~/.config/scrapbook/config.json</c>), readable by the user alone, since the token is the key to their photos.
/// </summary>
internal sealed record CliSettings(Uri Site, string Token)
{
    public static string FilePath
    {
        get
        {
            var home = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            return Path.Combine(home, "scrapbook", "config.json");
        }
    }

    public static CliSettings? Load()
    {
        try
        {
            return File.Exists(FilePath) ? JsonSerializer.Deserialize(File.ReadAllText(FilePath), CliJsonContext.Default.CliSettings) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save()
    {
        var directory = Path.GetDirectoryName(FilePath)!;
        Directory.CreateDirectory(directory);
        var temporary = FilePath + ".tmp";
        using (var file = OperatingSystem.IsWindows()
            ? new FileStream(temporary, FileMode.Create, FileAccess.Write)
            : new FileStream(temporary, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            JsonSerializer.Serialize(file, this, CliJsonContext.Default.CliSettings);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }

    /// <summary>The stored settings, or a message on the error stream and null when there are none.</summary>
    public static CliSettings? Require()
    {
        var settings = Load();
        if (settings is null)
        {
            Console.Error.WriteLine("Not logged in: run `scrapbook login <url>` first.");
        }

        return settings;
    }

    public HttpClient CreateHttpClient(TimeSpan? timeout = null) =>
        new() { BaseAddress = Site, Timeout = timeout ?? Timeout.InfiniteTimeSpan };
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CliSettings))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
