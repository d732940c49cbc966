using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Connection;

/// <summary>
/// A live connection: the Marketo client, the optional Salesforce client and the database path.
/// Made by <see cref="ConnectAsync"/>, which proves each part works before returning.
/// </summary>
public sealed class SalesSyncConnection : IDisposable
{
    private SalesSyncConnection(ConnectionSettings settings, MarketoClient marketo, SalesforceClient? salesforce, string databasePath,
        MarketoToken marketoToken, SalesforceSession? salesforceSession)
    {
        Settings = settings;
        Marketo = marketo;
        Salesforce = salesforce;
        DatabasePath = databasePath;
        MarketoToken = marketoToken;
        SalesforceSession = salesforceSession;
        ConnectedAt = DateTimeOffset.UtcNow;
    }

    public ConnectionSettings Settings { get; }
    public MarketoClient Marketo { get; }
    public SalesforceClient? Salesforce { get; }
    public string DatabasePath { get; }
    public MarketoToken MarketoToken { get; }
    public SalesforceSession? SalesforceSession { get; }
    public DateTimeOffset ConnectedAt { get; }

    public static async Task<SalesSyncConnection> ConnectAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        var observer = EngineObserver.Current;
        CheckUri(settings.MarketoUri, MarketoClient.ServiceName);
        if (settings.SalesforceUri is not null)
        {
            CheckUri(settings.SalesforceUri, SalesforceClient.ServiceName);
            if (string.IsNullOrEmpty(settings.SalesforceClientId) || settings.SalesforceClientSecret is null || settings.SalesforceClientSecret.IsEmpty)
                throw new ConnectFailedException(ConnectFailureReason.BadCredentials, SalesforceClient.ServiceName,
                    "A Salesforce URI was given without a Salesforce client id and secret.");
        }
        if (string.IsNullOrEmpty(settings.MarketoClientId) || settings.MarketoClientSecret.IsEmpty)
            throw new ConnectFailedException(ConnectFailureReason.BadCredentials, MarketoClient.ServiceName, "The Marketo client id and secret must not be empty.");

        var databasePath = Path.GetFullPath(settings.DatabasePath ?? SyncDatabase.DefaultPath);
        observer.Verbose($"Database: checking that '{databasePath}' can be written.");
        try
        {
            SyncDatabase.EnsureWritable(databasePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteDB.LiteException or NotSupportedException or ArgumentException)
        {
            throw new ConnectFailedException(ConnectFailureReason.DatabaseNotWritable, "Database", $"The database '{databasePath}' cannot be written: {e.Message}", e);
        }

        var marketo = new MarketoClient(new MarketoClientOptions
        {
            BaseUri = settings.MarketoUri,
            ClientId = settings.MarketoClientId,
            ClientSecret = settings.MarketoClientSecret,
            Limits = settings.MarketoLimits,
            Retry = settings.Retry,
        });
        SalesforceClient? salesforce = null;
        try
        {
            observer.Verbose($"Marketo: connecting to {settings.MarketoUri.GetLeftPart(UriPartial.Authority)}.");
            var token = await Prove(MarketoClient.ServiceName, settings.MarketoUri, () => marketo.AuthenticateAsync(cancellationToken)).ConfigureAwait(false);
            SalesforceSession? session = null;
            if (settings.SalesforceUri is not null)
            {
                salesforce = new SalesforceClient(new SalesforceClientOptions
                {
                    BaseUri = settings.SalesforceUri,
                    ClientId = settings.SalesforceClientId!,
                    ClientSecret = settings.SalesforceClientSecret!,
                    ApiVersion = settings.SalesforceApiVersion,
                    Retry = settings.Retry,
                });
                observer.Verbose($"Salesforce: connecting to {settings.SalesforceUri.GetLeftPart(UriPartial.Authority)}.");
                session = await Prove(SalesforceClient.ServiceName, settings.SalesforceUri, () => salesforce.AuthenticateAsync(cancellationToken)).ConfigureAwait(false);
            }
            return new SalesSyncConnection(settings, marketo, salesforce, databasePath, token, session);
        }
        catch
        {
            marketo.Dispose();
            salesforce?.Dispose();
            throw;
        }
    }

    private static void CheckUri(Uri uri, string service)
    {
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ConnectFailedException(ConnectFailureReason.InvalidUri, service, $"{service} URI '{uri}' is not an absolute http(s) URI.");
        if (UriPolicy.Check(uri) is { } problem)
            throw new ConnectFailedException(ConnectFailureReason.InsecureUri, service, $"{service}: {problem}");
    }

    private static async Task<T> Prove<T>(string service, Uri uri, Func<Task<T>> authenticate)
    {
        try
        {
            return await authenticate().ConfigureAwait(false);
        }
        catch (SalesSyncApiException e) when (e.Kind == ApiFailureKind.Unauthorized)
        {
            throw new ConnectFailedException(ConnectFailureReason.BadCredentials, service, $"{service} at {uri.GetLeftPart(UriPartial.Authority)} refused the credentials: {e.ApiMessage}", e);
        }
        catch (SalesSyncApiException e) when (e.Kind == ApiFailureKind.QuotaExhausted)
        {
            throw new ConnectFailedException(ConnectFailureReason.QuotaExhausted, service, e.Message, e);
        }
        catch (SalesSyncApiException e)
        {
            throw new ConnectFailedException(ConnectFailureReason.Unreachable, service,
                $"{service} at {uri.GetLeftPart(UriPartial.Authority)} could not be reached or did not answer as {service} does: {e.ApiMessage}", e);
        }
    }

    public void Dispose()
    {
        Marketo.Dispose();
        Salesforce?.Dispose();
    }
}
