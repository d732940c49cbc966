namespace SalesSync.Core.Http;

/// <summary>
/// A client secret held in memory only. ToString never shows it, so it cannot leak into logs,
/// verbose output, error records or serialised objects by accident; <see cref="Reveal"/> is for the HTTP edge.
/// </summary>
public sealed class Secret
{
    private readonly string _value;

    public Secret(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    public string Reveal() => _value;

    public bool IsEmpty => _value.Length == 0;

    public override string ToString() => "********";
}
