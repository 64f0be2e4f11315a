using System.CommandLine;
using Microsoft.Kiota.Abstractions;
using Scrapbook.Client;
using Spectre.Console;

namespace Scrapbook.Cli;

/// <summary><c>scrapbook rm &lt;id…&gt;</c>: deletes the caller's photos; exit code 1 when any could not be.</summary>
internal static class RemoveCommand
{
    public static Command Create()
    {
        var ids = new Argument<string[]>("ids") { Description = "Photo ids, as `scrapbook ls` shows them.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("rm", "Delete some of your photos.") { ids };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CliSettings.Require() is not { } settings)
            {
                return 2;
            }

            using var http = settings.CreateHttpClient(TimeSpan.FromSeconds(30));
            var api = ScrapbookClientFactory.Create(http, settings.Token);
            var failed = 0;
            foreach (var text in parse.GetValue(ids)!)
            {
                if (!Guid.TryParse(text, out var id))
                {
                    failed++;
                    AnsiConsole.MarkupLineInterpolated($"[red]not deleted[/] {text}: not a photo id");
                    continue;
                }

                try
                {
                    await api.Api.Photos[id].DeleteAsync(cancellationToken: cancellationToken);
                    AnsiConsole.MarkupLineInterpolated($"[green]deleted[/] {id}");
                }
                catch (ApiException exception)
                {
                    failed++;
                    var reason = exception.ResponseStatusCode switch
                    {
                        404 => "no such photo",
                        403 => "not yours",
                        _ => $"refused ({exception.ResponseStatusCode})",
                    };
                    AnsiConsole.MarkupLineInterpolated($"[red]not deleted[/] {id}: {reason}");
                }
            }

            return failed > 0 ? 1 : 0;
        });
        return command;
    }
}
