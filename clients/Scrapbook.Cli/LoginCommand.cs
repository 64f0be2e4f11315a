using System.CommandLine;
using Microsoft.Kiota.Abstractions;
using Scrapbook.Client;

namespace Scrapbook.Cli;

/// <summary><c>scrapbook login &lt;url&gt;</c>: gets an owner token from the site (or keeps the stored one for it) and stores both.</summary>
internal static class LoginCommand
{
    public static Command Create()
    {
        var url = new Argument<string>("url") { Description = "The site's address, e.g. http://localhost:8080 or https://photos.example.org" };
        var command = new Command("login", "Get an owner token from a Scrapbook site and remember it.") { url };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var site) || site.Scheme is not ("http" or "https"))
            {
                Console.Error.WriteLine($"'{parse.GetValue(url)}' is not an http or https address.");
                return 2;
            }

            site = new Uri(site.GetLeftPart(UriPartial.Authority));
            var stored = CliSettings.Load();
            using var http = new HttpClient { BaseAddress = site, Timeout = TimeSpan.FromSeconds(30) };
            try
            {
                // Logging in to the same site again keeps the same owner (the site hands the token back), so no photos are orphaned.
                var api = ScrapbookClientFactory.Create(http, stored?.Site == site ? stored.Token : null);
                var session = await api.Api.Session.PostAsync(cancellationToken: cancellationToken);
                if (session?.Token is not { Length: > 0 } token)
                {
                    Console.Error.WriteLine($"{site} did not give an owner token.");
                    return 1;
                }

                new CliSettings(site, token).Save();
                Console.WriteLine($"Logged in to {site}. Your owner token is stored in {CliSettings.FilePath}.");
                return 0;
            }
            catch (Exception exception) when (exception is HttpRequestException or ApiException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine($"Could not reach {site}: {exception.Message}");
                return 1;
            }
        });
        return command;
    }
}
