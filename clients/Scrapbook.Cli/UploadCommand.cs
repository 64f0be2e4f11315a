using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Kiota.Abstractions;
using Scrapbook.Client;
using Spectre.Console;

namespace Scrapbook.Cli;

/// <summary>
/// <c>scrapbook upload &lt;files|folders|globs&gt;</c>: one progress bar per file and one for all, several files at once,
/// files this owner already uploaded skipped (by their SHA-256, asked of the site before sending), a summary table, and
/// exit code 1 when any file failed. Ctrl+C stops the uploads under way and still prints what was done.
/// </summary>
internal static class UploadCommand
{
    private const int MaxRateLimitedTries = 3;

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files, folders (searched for images) or globs such as 'party/*.jpg'.", Arity = ArgumentArity.OneOrMore };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Files sent at once.", DefaultValueFactory = _ => 3 };
        var caption = new Option<string?>("--caption") { Description = "A caption for every file." };
        var author = new Option<string?>("--author") { Description = "An author name for every file." };
        var direct = new Option<double>("--direct-from")
        {
            Description = "Files of at least this many MiB go straight to the site's storage (when it allows); 0 sends every file through the site.",
            DefaultValueFactory = _ => 16,
        };
        var command = new Command("upload", "Upload photos, with a progress bar per file.") { paths, concurrency, caption, author, direct };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(paths)!,
            Math.Clamp(parse.GetValue(concurrency), 1, 16),
            parse.GetValue(caption),
            parse.GetValue(author),
            parse.GetValue(direct) is > 0 and var mebibytes ? (long)(mebibytes * 1024 * 1024) : long.MaxValue,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string[] inputs, int concurrency, string? caption, string? author, long directThreshold, CancellationToken cancellationToken)
    {
        if (CliSettings.Require() is not { } settings)
        {
            return 2;
        }

        var (files, unmatched) = FileSelection.Expand(inputs, Environment.CurrentDirectory);
        foreach (var input in unmatched)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Nothing to upload in[/] {input}");
        }

        if (files.Count == 0)
        {
            AnsiConsole.MarkupLine("[red]No files to upload.[/]");
            return 1;
        }

        using var http = settings.CreateHttpClient();
        var api = ScrapbookClientFactory.Create(http, settings.Token);
        var uploader = new PhotoUploader(http, settings.Token) { DirectUploadThreshold = Math.Max(directThreshold, 1) };
        var outcomes = new FileOutcome[files.Count];
        var cancelled = false;

        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async progress =>
            {
                var sizes = files.Select(f => new FileInfo(f).Length).ToArray();
                var overall = progress.AddTask($"[bold]All {files.Count} files[/]", maxValue: Math.Max(sizes.Sum(), 1));
                var tasks = files.Select((f, i) => progress.AddTask(Markup.Escape(Path.GetFileName(f)), autoStart: false, maxValue: Math.Max(sizes[i], 1))).ToArray();
                var sentPerFile = new long[files.Count];
                try
                {
                    await Parallel.ForEachAsync(
                        Enumerable.Range(0, files.Count),
                        new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
                        async (index, token) =>
                        {
                            var task = tasks[index];
                            task.StartTask();
                            var report = new Progress(sent =>
                            {
                                overall.Increment(sent - Interlocked.Exchange(ref sentPerFile[index], sent));
                                task.Value = sent;
                            });
                            outcomes[index] = await UploadOneAsync(api, uploader, files[index], caption, author, report, token);
                            task.Value = task.MaxValue;
                            overall.Increment(task.MaxValue - Interlocked.Exchange(ref sentPerFile[index], (long)task.MaxValue));
                            task.Description = $"{Markup.Escape(Path.GetFileName(files[index]))} [{outcomes[index].Colour}]{outcomes[index].Word}[/]";
                            task.StopTask();
                        });
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    cancelled = true;
                }
            });

        var table = new Table().AddColumns("File", "Result", "Photo or reason");
        for (var i = 0; i < files.Count; i++)
        {
            var outcome = outcomes[i] ?? new FileOutcome("not sent", "grey", "stopped before it was sent", Failed: cancelled);
            table.AddRow(Markup.Escape(Path.GetRelativePath(Environment.CurrentDirectory, files[i])), $"[{outcome.Colour}]{outcome.Word}[/]", Markup.Escape(outcome.Detail));
        }

        AnsiConsole.Write(table);
        var failed = outcomes.Count(o => o is { Failed: true });
        var uploaded = outcomes.Count(o => o is { Word: "uploaded" });
        var skipped = outcomes.Count(o => o is { Word: "skipped" });
        AnsiConsole.MarkupLineInterpolated($"{uploaded} uploaded, {skipped} skipped, {failed} failed{(cancelled ? ", stopped by Ctrl+C" : "")}.");
        return cancelled ? 130 : failed > 0 || unmatched.Count > 0 ? 1 : 0;
    }

    private static async Task<FileOutcome> UploadOneAsync(
        ScrapbookApiClient api, PhotoUploader uploader, string path, string? caption, string? author, IProgress<long> progress, CancellationToken cancellationToken)
    {
        try
        {
            var sha256 = await HashAsync(path, cancellationToken);
            var existing = await api.Api.Me.Photos.GetAsync(request => request.QueryParameters.Sha256 = sha256, cancellationToken);
            if (existing?.Items is [var photo, ..])
            {
                return new FileOutcome("skipped", "grey", $"already uploaded as {photo.Id}", Failed: false);
            }

            for (var attempt = 1; ; attempt++)
            {
                await using var file = File.OpenRead(path);
                var result = await uploader.UploadAsync(file, FileSelection.ContentTypeOf(path), caption, author, progress, cancellationToken);
                if (result.Status == HttpStatusCode.TooManyRequests && attempt < MaxRateLimitedTries)
                {
                    // The site says when to come back; wait that long (within reason) and send it again.
                    await Task.Delay(result.RetryAfter is { } wait && wait < TimeSpan.FromMinutes(2) ? wait : TimeSpan.FromSeconds(10), cancellationToken);
                    progress.Report(0);
                    continue;
                }

                return result switch
                {
                    { Succeeded: true, AlreadyUploaded: true } => new FileOutcome("skipped", "grey", $"already uploaded as {result.Photo!.Id}", Failed: false),
                    { Succeeded: true } => new FileOutcome("uploaded", "green", $"{result.Photo!.Id}{(result.SentToStorage ? " (straight to storage)" : "")}", Failed: false),
                    _ => new FileOutcome("failed", "red", Explain(result), Failed: true),
                };
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return new FileOutcome("failed", "red", $"cannot read the file: {exception.Message}", Failed: true);
        }
        catch (Exception exception) when (exception is HttpRequestException or ApiException)
        {
            return new FileOutcome("failed", "red", $"the site did not answer: {exception.Message}", Failed: true);
        }
    }

    /// <summary>The site's own words (its problem detail), led by what the stable type means for the person uploading.</summary>
    private static string Explain(UploadResult result)
    {
        var type = result.Problem?.Type ?? "";
        var what = type[(type.LastIndexOf('/') + 1)..] switch
        {
            "too-large" => "too large",
            "unsupported-format" => "not an image the site accepts",
            "undecodable-image" => "the image cannot be decoded",
            "too-many-pixels" => "too many pixels",
            "too-many-frames" => "too many frames",
            "rate-limited" => $"rate limited{(result.RetryAfter is { } wait ? $", try again in {wait.TotalSeconds:0} s" : "")}",
            "uploads-closed" => "uploads are closed",
            "quota-exceeded" => "your storage quota is full",
            "unauthorized" => "the site does not know your token: run `scrapbook login` again",
            "dependency-down" => "the site is having trouble, try again shortly",
            _ => $"refused ({(int)result.Status})",
        };
        return result.Problem?.Detail is { Length: > 0 } detail ? $"{what}: {detail}" : what;
    }

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
    }

    private sealed record FileOutcome(string Word, string Colour, string Detail, bool Failed);

    /// <summary>Reports at once on the reporting thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
