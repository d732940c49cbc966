using SalesSync.Core;

namespace SalesSync.PowerShell.Models;

/// <summary>
/// What Connect-SalesSync and Get-SalesSyncConnection return: where the session points, never a
/// secret. The token expiry, call count and limits are read live from the connection, so an object
/// kept in a variable stays true; after Disconnect they keep their last values.
/// </summary>
public sealed class SalesSyncConnectionInfo
{
    private readonly SalesSyncSession _session;
    private DateTimeOffset? _lastTokenExpiry;

    internal SalesSyncConnectionInfo(SalesSyncSession session, ConnectionScope scope)
    {
        _session = session;
        Scope = scope.ToString(); // a string, so ConvertTo-Json and Export-Csv show the name
        _lastTokenExpiry = session.MarketoTokenExpiresAt;
    }

    public Uri MarketoUri => _session.MarketoUri;
    public string MarketoClientId => _session.MarketoClientId;

    /// <summary>When the Marketo access token in use expires (follows every refresh).</summary>
    public DateTimeOffset? MarketoTokenExpiresAt => _session.IsRetired ? _lastTokenExpiry : _lastTokenExpiry = _session.MarketoTokenExpiresAt;

    /// <summary>The limits and today's count in one line, as the default view shows them (the figures are also properties of their own).</summary>
    public string MarketoLimits => string.Format(System.Globalization.CultureInfo.InvariantCulture,
        "{0} calls/20 s, {1} in flight, {2} calls/day ({3} used)", MarketoCallsPerWindow, MarketoConcurrentCalls, MarketoDailyCallBudget, MarketoCallsToday);

    public int MarketoCallsPerWindow => _session.MarketoLimits.CallsPerWindow;
    public int MarketoConcurrentCalls => _session.MarketoLimits.ConcurrentCalls;
    public int MarketoDailyCallBudget => _session.MarketoLimits.DailyCallBudget;
    /// <summary>SalesSync's own Marketo calls today in this process (what MarketoDailyCallBudget caps).</summary>
    public int MarketoCallsToday => _session.MarketoCallsToday;

    /// <summary>Every integration's Marketo calls today on the instance, as last read from Marketo plus ours since; null until a sync read it.</summary>
    public int? MarketoInstanceCallsToday => _session.MarketoInstanceCallsToday;
    public Uri? SalesforceUri => _session.SalesforceUri;
    public string? SalesforceClientId => _session.SalesforceClientId;
    public Uri? SalesforceInstanceUrl => _session.SalesforceInstanceUrl;
    public string? SalesforceApiVersion => _session.SalesforceApiVersion;
    public string Database => _session.DatabasePath;
    public bool DatabaseEncrypted => _session.DatabaseEncrypted;
    /// <summary>Process or Runspace.</summary>
    public string Scope { get; }
    public DateTimeOffset ConnectedAt => _session.ConnectedAt;

    /// <summary>False once the connection was replaced or disconnected.</summary>
    public bool IsActive => !_session.IsRetired;
}
