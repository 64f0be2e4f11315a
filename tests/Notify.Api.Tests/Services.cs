using Scrapbook.Testing;

namespace Scrapbook.Notify.Api.Tests;

internal static class Services
{
    /// <summary>
    /// <see cref="ServiceUnderTest.StartAsync"/>, tried up to three times: a port picked as free can be taken
    /// by another test run before the service binds it (as <see cref="RedisServer"/> does for its port).
    /// </summary>
    public static async Task<ServiceUnderTest> StartAsync(string projectFolder, string assemblyName, IDictionary<string, string?> environment, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ServiceUnderTest.StartAsync(projectFolder, assemblyName, environment, cancellationToken);
            }
            catch (InvalidOperationException exception) when (attempt < 3 && exception.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }
}
