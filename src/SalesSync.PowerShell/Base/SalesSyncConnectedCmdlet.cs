using System.Management.Automation;
using SalesSync.Core;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// Base of cmdlets that need Connect-SalesSync first. The connection in effect is taken once, in
/// BeginProcessing, and held (leased) until the command ends, so a reconnect or Disconnect in another
/// runspace never closes it under a running command.
/// </summary>
public abstract class SalesSyncConnectedCmdlet : SalesSyncCmdlet
{
    private IDisposable? _lease;
    private SalesSyncSession? _session;

    /// <summary>The connection this command runs on.</summary>
    internal SalesSyncSession Session => _session ?? throw new InvalidOperationException("BeginProcessing has not run.");

    protected override void BeginProcessing()
    {
        // A reconnect elsewhere can retire the session between reading and leasing it: read again.
        SalesSyncSession? session = null;
        for (var attempt = 0; attempt < 5 && _lease is null; attempt++)
        {
            session = ConnectionRegistry.Current;
            if (session is null) break;
            _lease = session.Use();
        }
        if (_lease is null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException("There is no SalesSync connection in this session. Run Connect-SalesSync first."),
                "NotConnected", ErrorCategory.ConnectionError, null)
            {
                ErrorDetails = new ErrorDetails("There is no SalesSync connection in this session.")
                {
                    RecommendedAction = "Run Connect-SalesSync -MarketoUri <uri> -MarketoCredential <credential>, or Connect-SalesSync -FromEnvironment.",
                },
            });
        }
        _session = session;
    }

    protected override void Dispose(bool disposing)
    {
        _lease?.Dispose();
        _lease = null;
    }
}
