using System.Reflection;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Console;

namespace Scrapbook.Gateway.Hosting;

/// <summary>
/// Process-level settings that make the gateway cheap per request on a few cores (docs/benchmarks.md, Gateway).
/// </summary>
/// <remarks>
/// <para>A proxied request crosses four sockets' worth of completions (client in, destination out, destination in,
/// client out). By default each completion is handed from the socket engine's thread to a thread-pool thread, and
/// on two cores shared with the services those hand-offs — thread wake-ups and context switches — cost more than
/// the forwarding itself. With inline completions the socket engine (one per core) runs the continuation itself,
/// as nginx's workers do, and Kestrel schedules its pipes inline on that thread too.</para>
/// <para>The price: nothing on the request path may block, or it stalls every connection of that engine. The
/// gateway's request path is asynchronous throughout (forwarding, the blob store, static files), and console logging
/// drops lines rather than wait when its queue is full.</para>
/// <para>Set <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c> to turn it off. It is left alone when the gateway
/// is not the process's entry point (the tests host it in their own process, whose other sockets it must not
/// change).</para>
/// </remarks>
internal static partial class GatewayRuntime
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline socket completions on unless configured otherwise; true when they are on.</summary>
    public static bool UseInlineSocketCompletions(Assembly gateway)
    {
        var configured = Environment.GetEnvironmentVariable(InlineCompletionsVariable);
        if (configured is null && OperatingSystem.IsLinux() && Assembly.GetEntryAssembly() == gateway)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
            configured = "1";
        }

        return configured == "1";
    }

    public static void Configure(IHostApplicationBuilder builder, bool inlineSockets)
    {
        builder.Services.Configure<SocketTransportOptions>(sockets =>
        {
            sockets.UnsafePreferInlineScheduling = inlineSockets;
            // Default, said here because SSE depends on it: an idle connection holds no receive buffer.
            sockets.WaitForDataBeforeAllocatingBuffer = true;
        });

        // A full console queue must never block a request (with inline completions, an I/O thread).
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Socket completions run inline: {Inline}")]
    public static partial void LogSchedulingMode(ILogger logger, bool inline);
}
