using System.CommandLine;
using Microsoft.Kiota.Abstractions;
using Scrapbook.Client;
using Scrapbook.Client.Models;

namespace Scrapbook.Cli;

/// <summary>
/// <c>scrapbook pair &lt;code&gt; [--site &lt;url&gt;]</c>: redeems a pairing code shown by another device (Devices page) for an
/// owner token of this CLI's own, acting as that owner, and stores it as <c>login</c> does. The argument may also be the
/// pairing page's whole address (what the QR code holds), which names the site too.
/// </summary>
internal static class PairCommand
{
    public static Command Create()
    {
        var code = new Argument<string>("code") { Description = "The code, e.g. ABCD-EFGH, or the pairing address (https://…/pair?code=…)." };
        var site = new Option<string?>("--site") { Description = "The site's address; by default the one you logged in to, or the one the pairing address names." };
        var command = new Command("pair", "Open the scrapbook of another device of yours here, with the code it shows.") { code, site };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stored = CliSettings.Load();
            var (typed, fromAddress) = Read(parse.GetValue(code)!);
            var siteText = parse.GetValue(site) ?? fromAddress?.ToString() ?? stored?.Site.ToString();
            if (siteText is null)
            {
                Console.Error.WriteLine("Which site? Give --site <url> (or `scrapbook login <url>` first).");
                return 2;
            }

            if (!Uri.TryCreate(siteText, UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
            {
                Console.Error.WriteLine($"'{siteText}' is not an http or https address.");
                return 2;
            }

            target = new Uri(target.GetLeftPart(UriPartial.Authority));
            using var http = new HttpClient { BaseAddress = target, Timeout = TimeSpan.FromSeconds(30) };
            try
            {
                var api = ScrapbookClientFactory.Create(http, ownerToken: null);
                var paired = await api.Api.Pairing.PostAsync(
                    new PairingRedeemRequest { Code = typed, Name = $"scrapbook CLI on {Environment.MachineName}" }, cancellationToken: cancellationToken);
                if (paired?.Token is not { Length: > 0 } token)
                {
                    Console.Error.WriteLine($"{target} did not give an owner token.");
                    return 1;
                }

                new CliSettings(target, token).Save();
                Console.WriteLine($"Paired with {target} as \"{paired.Device?.Name}\". Your owner token is stored in {CliSettings.FilePath}.");
                return 0;
            }
            catch (ApiException exception) when (exception.ResponseStatusCode == 404)
            {
                Console.Error.WriteLine("That code does not work: check it, or ask your other device for a new one (codes last 5 minutes and work once).");
                return 1;
            }
            catch (ApiException exception) when (exception.ResponseStatusCode == 429)
            {
                Console.Error.WriteLine("Too many tries from here: wait a minute, then try again.");
                return 1;
            }
            catch (Exception exception) when (exception is HttpRequestException or ApiException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine($"Could not reach {target}: {exception.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The code, and the site when the argument is the pairing page's address.</summary>
    private static (string Code, Uri? Site) Read(string argument) =>
        Uri.TryCreate(argument, UriKind.Absolute, out var address) && address.Scheme is "http" or "https"
            ? (System.Web.HttpUtility.ParseQueryString(address.Query)["code"] ?? "", address)
            : (argument, null);
}
