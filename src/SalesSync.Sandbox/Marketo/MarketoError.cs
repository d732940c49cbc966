namespace SalesSync.Sandbox.Marketo;

/// <summary>A refusal, as the Marketo envelope's (or a skipped record's) error code and message.</summary>
public sealed record MarketoError(string Code, string Message);

/// <summary>
/// Thrown while checking a request to stop at the first problem; the endpoint answers with its
/// <see cref="Error"/> (response level, or record level for one record of a batch).
/// </summary>
public sealed class MarketoRefusal(string code, string message) : Exception(message)
{
    public MarketoError Error { get; } = new(code, message);
}
