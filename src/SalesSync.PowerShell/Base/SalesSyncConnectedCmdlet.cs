using System.Management.Automation;
using SalesSync.Core.Connection;

namespace SalesSync.PowerShell.Base;

/// <summary>Base of cmdlets that need Connect-SalesSync first.</summary>
public abstract class SalesSyncConnectedCmdlet : SalesSyncCmdlet
{
    /// <summary>The session's connection, or a terminating NotConnected error.</summary>
    protected SalesSyncConnection Connection =>
        SessionRegistry.Current ?? throw new InvalidOperationException("There is no SalesSync connection in this session. Run Connect-SalesSync first.");

    protected override void BeginProcessing()
    {
        if (SessionRegistry.Current is null)
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
    }
}
