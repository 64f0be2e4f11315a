using System.Reflection;
using System.Runtime.InteropServices;

namespace Aspire.Hosting;

/// <summary>
/// What the local run needs from the machine (scripts/prereqs.sh installs it), and the folder its data lives in.
/// A missing prerequisite stops the AppHost at once with one line, instead of a resource waiting forever.
/// </summary>
public static class Prerequisites
{
    private const string InstallHint = "run ./scripts/prereqs.sh (or ./scripts/run.sh, which runs it first)";

    /// <summary>
    /// The local data folder (git-ignored <c>.scrapbook/data</c> at the checkout's root unless <c>DataDirectory</c> is
    /// configured), or a resource's folder in it; created in run mode.
    /// </summary>
    public static string GetDataDirectory(this IDistributedApplicationBuilder builder, string? resourceName = null)
    {
        var root = builder.Configuration["DataDirectory"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".scrapbook", "data"));
        var directory = resourceName is null ? root : Path.Combine(root, resourceName);
        if (builder.ExecutionContext.IsRunMode)
        {
            Directory.CreateDirectory(directory);
        }

        return directory;
    }

    public static void RequireCommand(this IDistributedApplicationBuilder builder, string command)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(directory => File.Exists(Path.Combine(directory, command))))
        {
            builder.FailForMissingPrerequisite($"{command} (not on PATH)");
        }
    }

    public static void RequireFile(this IDistributedApplicationBuilder builder, string path, string what)
    {
        if (!File.Exists(path))
        {
            builder.FailForMissingPrerequisite($"{what} ({path})");
        }
    }

    /// <summary>The project loads <paramref name="library"/> (libvips) at run time; it must be installed.</summary>
    public static IResourceBuilder<T> RequiresNativeLibrary<T>(this IResourceBuilder<T> resource, string library) where T : IResource
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            resource.ApplicationBuilder.FailForMissingPrerequisite($"{library}, which {resource.Resource.Name} needs");
        }

        NativeLibrary.Free(handle);
        return resource;
    }

    internal static void FailForMissingPrerequisite(this IDistributedApplicationBuilder builder, string what)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        var message = $"Scrapbook cannot start: {what} is missing; {InstallHint}.";
        // Run by hand, one line and out. Hosted in a test (Aspire.Hosting.Testing), the test gets the exception.
        if (Assembly.GetEntryAssembly() == typeof(Prerequisites).Assembly)
        {
            Console.Error.WriteLine(message);
            Environment.Exit(1);
        }

        throw new DistributedApplicationException(message);
    }
}
