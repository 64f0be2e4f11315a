using System.CommandLine;
using Scrapbook.Client;
using Spectre.Console;

namespace Scrapbook.Cli;

/// <summary><c>scrapbook ls</c>: the caller's photos, newest first.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var limit = new Option<int>("--limit", "-n") { Description = "How many photos to show at most.", DefaultValueFactory = _ => 50 };
        var command = new Command("ls", "List your photos, newest first.") { limit };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CliSettings.Require() is not { } settings)
            {
                return 2;
            }

            using var http = settings.CreateHttpClient(TimeSpan.FromSeconds(30));
            var api = ScrapbookClientFactory.Create(http, settings.Token);
            var wanted = Math.Max(parse.GetValue(limit), 1);
            // Ids stay whole on narrow terminals (they are what `scrapbook rm` takes); captions wrap instead.
            var table = new Table().AddColumns(
                new TableColumn("Id").NoWrap(), new TableColumn("Status").NoWrap(), new TableColumn("Caption"), new TableColumn("Added").NoWrap());
            string? cursor = null;
            var shown = 0;
            do
            {
                var page = await api.Api.Me.Photos.GetAsync(request =>
                {
                    request.QueryParameters.Cursor = cursor;
                    request.QueryParameters.Limit = Math.Min(wanted - shown, 100);
                }, cancellationToken);
                foreach (var photo in page?.Items ?? [])
                {
                    table.AddRow(Markup.Escape($"{photo.Id}"), Markup.Escape($"{photo.Status}"), Markup.Escape(photo.Caption ?? ""), Markup.Escape($"{photo.CreatedAt:yyyy-MM-dd HH:mm}"));
                    shown++;
                }

                cursor = page?.NextCursor;
            }
            while (cursor is not null && shown < wanted);

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"{shown} photo{(shown == 1 ? "" : "s")}.");
            return 0;
        });
        return command;
    }
}
