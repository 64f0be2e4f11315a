using Scrapbook.Testing;

namespace Scrapbook.Cli.Tests;

/// <summary>The <c>scrapbook</c> command against the whole system as the AppHost runs it.</summary>
public sealed class CliTests(ScrapbookApp system) : IClassFixture<ScrapbookApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ANewUserLogsInUploadsAFolderSkipsWhatWasSentListsAndRemoves()
    {
        using var cli = new Cli();
        var folder = Path.Combine(cli.WorkingDirectory, "party");
        Directory.CreateDirectory(Path.Combine(folder, "more"));
        await ScrapbookClient.MakeJpegAsync(Path.Combine(folder, "cake.jpg"), 1600, 1200, Ct); // ~1 MB: sent straight to storage
        await ScrapbookClient.MakeJpegAsync(Path.Combine(folder, "more", "dance.jpg"), 640, 480, Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "invitation.jpg"), "%PDF-1.7 not a photo", Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "not picked from a folder", Ct);

        var login = await cli.RunAsync("login", system.GatewayUrl.ToString());
        var first = await cli.RunAsync("upload", "party", "--direct-from", "0.5");
        var again = await cli.RunAsync("upload", "party/*.jpg", "party/more/*.jpg");
        var listed = await cli.RunAsync("ls");

        Assert.Equal(0, login.ExitCode);
        Assert.True(File.Exists(Path.Combine(cli.ConfigDirectory, "scrapbook", "config.json")));
        Assert.Equal(1, first.ExitCode);
        Assert.Contains("2 uploaded, 0 skipped, 1 failed.", first.Output, StringComparison.Ordinal);
        Assert.Contains("not an image the site accepts", first.Output, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(first.Output, "straight"));
        Assert.DoesNotContain("notes.txt", first.Output, StringComparison.Ordinal);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("0 uploaded, 2 skipped, 1 failed.", again.Output, StringComparison.Ordinal);
        Assert.Equal(0, listed.ExitCode);
        Assert.True(listed.Output.Contains("2 photos.", StringComparison.Ordinal), listed.Output);

        var id = System.Text.RegularExpressions.Regex.Match(listed.Output, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").Value;
        var removed = await cli.RunAsync("rm", id);
        var removedAgain = await cli.RunAsync("rm", id);
        var after = await cli.RunAsync("ls");

        Assert.True(removed.ExitCode == 0, removed.Output);
        Assert.Equal(1, removedAgain.ExitCode);
        Assert.Contains("no such photo", removedAgain.Output, StringComparison.Ordinal);
        Assert.Contains("1 photo.", after.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PairTakesACodeFromAnotherDeviceAndOpensThatScrapbook()
    {
        using var first = new Cli();
        using var second = new Cli();
        await ScrapbookClient.MakeJpegAsync(Path.Combine(first.WorkingDirectory, "cake.jpg"), 320, 240, Ct);
        Assert.Equal(0, (await first.RunAsync("login", system.GatewayUrl.ToString())).ExitCode);
        Assert.Equal(0, (await first.RunAsync("upload", "cake.jpg")).ExitCode);
        var token = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(first.ConfigDirectory, "scrapbook", "config.json"), Ct))
            .RootElement.GetProperty("token").GetString();
        using var http = system.CreateGatewayClient();
        var url = (await ScrapbookClient.NewPairingCodeAsync(http, token!, Ct)).Url;

        var wrong = await second.RunAsync("pair", "2222-2222", "--site", system.GatewayUrl.ToString());
        var paired = await second.RunAsync("pair", new Uri(system.GatewayUrl, url).ToString());
        var listed = await second.RunAsync("ls");

        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("That code does not work", wrong.Output, StringComparison.Ordinal);
        Assert.True(paired.ExitCode == 0, paired.Output);
        Assert.Contains("Paired with", paired.Output, StringComparison.Ordinal);
        Assert.True(listed.Output.Contains("1 photo.", StringComparison.Ordinal), listed.Output);
    }

    [Fact]
    public async Task WithoutLoggingInTheCommandsSaySoAndFail()
    {
        using var cli = new Cli();

        var upload = await cli.RunAsync("upload", "anything.jpg");

        Assert.Equal(2, upload.ExitCode);
        Assert.Contains("scrapbook login", upload.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InATerminalTheUploadShowsAProgressBarPerFileAndOneForAll()
    {
        using var cli = new Cli();
        Assert.Equal(0, (await cli.RunAsync("login", system.GatewayUrl.ToString())).ExitCode);
        for (var i = 1; i <= 3; i++)
        {
            await ScrapbookClient.MakeJpegAsync(Path.Combine(cli.WorkingDirectory, $"photo{i}.jpg"), 1600, 1200, Ct);
        }

        await using var terminal = await Tmux.StartAsync(cli.CommandLine("upload", ".", "--concurrency", "2"));
        var screen = await terminal.WaitForAsync("EXIT=", TimeSpan.FromMinutes(2));

        Assert.Contains("EXIT=0", screen, StringComparison.Ordinal);
        Assert.Matches(@"All 3 files\s+━+\s+100%", screen);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Matches($@"photo{i}\.jpg uploaded\s+━+\s+100%", screen);
        }

        Assert.Contains("3 uploaded, 0 skipped, 0 failed.", screen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlCStopsAnUploadUnderWayAndStillPrintsWhatWasDone()
    {
        using var cli = new Cli();
        Assert.Equal(0, (await cli.RunAsync("login", system.GatewayUrl.ToString())).ExitCode);
        // More than can be sent, one at a time, between the progress bars appearing and the Ctrl+C that follows.
        var first = await ScrapbookClient.MakeJpegAsync(Path.Combine(cli.WorkingDirectory, "big01.jpg"), 4000, 3000, Ct);
        for (var i = 2; i <= 20; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(cli.WorkingDirectory, $"big{i:00}.jpg"), ScrapbookClient.WithJpegComment(first, $"copy {i}"), Ct);
        }

        await using var terminal = await Tmux.StartAsync(cli.CommandLine("upload", ".", "--concurrency", "1"), height: 80);
        await terminal.WaitForAsync("All 20 files", TimeSpan.FromMinutes(1));
        await terminal.SendKeysAsync("C-c");
        var screen = await terminal.WaitForAsync("EXIT=", TimeSpan.FromSeconds(30));

        Assert.Contains("EXIT=130", screen, StringComparison.Ordinal);
        Assert.Contains("stopped by Ctrl+C", screen, StringComparison.Ordinal);
        Assert.Contains("not sent", screen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchShowsANewPhotoAsItBecomesReadyAndStopsCleanlyOnCtrlC()
    {
        using var cli = new Cli();
        Assert.Equal(0, (await cli.RunAsync("login", system.GatewayUrl.ToString())).ExitCode);
        await ScrapbookClient.MakeJpegAsync(Path.Combine(cli.WorkingDirectory, "live.jpg"), 640, 480, Ct);

        await using var terminal = await Tmux.StartAsync(cli.CommandLine("watch"));
        await terminal.WaitForAsync("Watching", TimeSpan.FromSeconds(30));
        var upload = await cli.RunAsync("upload", "live.jpg", "--caption", "seen live");
        var screen = await terminal.WaitForAsync("seen live", TimeSpan.FromMinutes(2));
        await terminal.SendKeysAsync("C-c");
        var stopped = await terminal.WaitForAsync("EXIT=", TimeSpan.FromSeconds(15));

        Assert.Equal(0, upload.ExitCode);
        Assert.Contains("photo.ready", screen, StringComparison.Ordinal);
        Assert.Contains("EXIT=0", stopped, StringComparison.Ordinal);
    }
}
