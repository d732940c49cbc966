using SalesSync.Core.Diagnostics;

namespace SalesSync.Core.Http;

/// <summary>
/// The one-retry rule both services share: when a call says the token is invalid or expired, drop the
/// token, fetch a new one and try once more; a second refusal with a fresh token means the credentials
/// themselves are no good.
/// </summary>
internal static class Reauthentication
{
    public static async Task<T> RunAsync<T>(string service, Func<Task<T>> attempt, Action dropToken)
    {
        try
        {
            return await attempt().ConfigureAwait(false);
        }
        catch (SalesSyncApiException e) when (e.Kind == ApiFailureKind.Reauthenticate)
        {
            EngineObserver.Current.Verbose($"{service} {e.Code} ({e.ApiMessage}): fetching a new access token and retrying once.");
            dropToken();
            try
            {
                return await attempt().ConfigureAwait(false);
            }
            catch (SalesSyncApiException again) when (again.Kind == ApiFailureKind.Reauthenticate)
            {
                throw new SalesSyncApiException(service, again.Code, again.ApiMessage + " (again, with a freshly issued token)", ApiFailureKind.Unauthorized, again);
            }
        }
    }
}
