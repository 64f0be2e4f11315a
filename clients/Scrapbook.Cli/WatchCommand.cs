using System.CommandLine;
using Scrapbook.Client;
using Spectre.Console;

namespace Scrapbook.Cli;

/// <summary><c>scrapbook watch</c>: one line per event as it happens, until Ctrl+C; reconnects where it left off.</summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var command = new Command("watch", "Show new photos as they arrive, until Ctrl+C.");
        command.SetAction(async (_, cancellationToken) =>
        {
            if (CliSettings.Require() is not { } settings)
            {
                return 2;
            }

            using var http = settings.CreateHttpClient();
            AnsiConsole.MarkupLineInterpolated($"[grey]Watching {settings.Site} (Ctrl+C to stop)…[/]");
            string? lastEventId = null;
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await foreach (var e in EventStream.ReadAsync(http, settings.Token, lastEventId, cancellationToken))
                    {
                        lastEventId = e.Id ?? lastEventId;
                        var what = e.Photo is { } photo ? $"{photo.Id} {photo.Caption}" : e.Data;
                        AnsiConsole.MarkupLineInterpolated($"{DateTimeOffset.Now:HH:mm:ss} [bold]{e.Type}[/] {what}");
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (HttpRequestException exception)
                {
                    AnsiConsole.MarkupLineInterpolated($"[yellow]Lost the connection ({exception.Message}); trying again in 3 s.[/]");
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            return 0;
        });
        return command;
    }
}
