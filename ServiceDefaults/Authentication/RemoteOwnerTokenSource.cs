using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Scrapbook.Contracts;

namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>Gallery.Api's <c>GET /internal/owner-tokens/{hash}</c>, for the services that do not own the devices table.</summary>
/// <remarks>A client per call from the factory: the resolver is a singleton, and a client held for the process's life would
/// never see its handler renewed.</remarks>
internal sealed partial class RemoteOwnerTokenSource(IHttpClientFactory clients, ILogger<RemoteOwnerTokenSource> logger) : IOwnerTokenSource
{
    public const string HttpClientName = "owner-tokens";

    public async Task<string?> FindOwnerAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        try
        {
            var http = clients.CreateClient(HttpClientName);
            using var response = await http.GetAsync($"/internal/owner-tokens/{tokenHash}", cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                LogAnswered(logger, (int)response.StatusCode);
                throw new OwnerResolutionUnavailableException($"Gallery.Api answered {(int)response.StatusCode} when asked whom a token acts for.");
            }

            var answer = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.OwnerTokenResolutionDto, cancellationToken)
                ?? throw new OwnerResolutionUnavailableException("Gallery.Api answered with an empty body when asked whom a token acts for.");
            return answer.OwnerId;
        }
        catch (Exception exception) when (exception is HttpRequestException or System.Text.Json.JsonException
            || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogUnreachable(logger, exception);
            throw new OwnerResolutionUnavailableException("Gallery.Api could not be asked whom a token acts for: " + exception.Message, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gallery.Api answered {Status} when asked whom an owner token acts for; the request gets 503")]
    private static partial void LogAnswered(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gallery.Api could not be asked whom an owner token acts for; the request gets 503")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);
}
