using System.Net;
using System.Net.Http.Json;
using Scrapbook.Contracts;

namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>Gallery.Api's <c>GET /internal/owner-tokens/{hash}</c>, for the services that do not own the devices table.</summary>
/// <remarks>A client per call from the factory: the resolver is a singleton, and a client held for the process's life would
/// never see its handler renewed.</remarks>
internal sealed class RemoteOwnerTokenSource(IHttpClientFactory clients) : IOwnerTokenSource
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
                throw new OwnerResolutionUnavailableException($"Gallery.Api answered {(int)response.StatusCode} when asked whom a token acts for.");
            }

            var answer = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.OwnerTokenResolutionDto, cancellationToken)
                ?? throw new OwnerResolutionUnavailableException("Gallery.Api answered with an empty body when asked whom a token acts for.");
            return answer.OwnerId;
        }
        catch (Exception exception) when (exception is HttpRequestException or System.Text.Json.JsonException
            || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new OwnerResolutionUnavailableException("Gallery.Api could not be asked whom a token acts for: " + exception.Message, exception);
        }
    }
}
