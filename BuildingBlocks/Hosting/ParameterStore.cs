using System.Security.Cryptography;
using System.Text.Json;

namespace Scrapbook.Hosting;

/// <summary>Generated parameter values, kept per checkout in a git-ignored JSON file readable only by its owner.</summary>
internal static class ParameterStore
{
    private static readonly Lock s_lock = new();

    public static string FilePath(string stateDirectory) => Path.Combine(stateDirectory, "parameters.json");

    public static string GetOrCreate(string stateDirectory, string name)
    {
        lock (s_lock)
        {
            var path = FilePath(stateDirectory);
            var values = File.Exists(path)
                ? JsonSerializer.Deserialize(File.ReadAllText(path), ParameterJsonContext.Default.DictionaryStringString) ?? []
                : [];
            if (values.TryGetValue(name, out var existing))
            {
                return existing;
            }

            var value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            values[name] = value;
            Directory.CreateDirectory(stateDirectory);
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(values, ParameterJsonContext.Default.DictionaryStringString));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, path, overwrite: true);
            return value;
        }
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ParameterJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
