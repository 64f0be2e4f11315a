using System.Xml.Linq;

namespace Scrapbook.Hosting;

/// <summary>Just enough of a .csproj to find its build output.</summary>
internal static class ProjectFile
{
    /// <summary>Every project here targets the framework the AppHost itself runs on (Directory.Build.props sets it once).</summary>
    public static string TargetFramework => $"net{Environment.Version.Major}.{Environment.Version.Minor}";

    public static string AssemblyName(string projectPath)
    {
        var declared = XDocument.Load(projectPath).Descendants("AssemblyName").Select(e => e.Value.Trim()).FirstOrDefault(v => v.Length > 0);
        return declared ?? Path.GetFileNameWithoutExtension(projectPath);
    }
}
