using SalesSync.Core.Marketo;

namespace SalesSync;

/// <summary>
/// A Marketo static or smart list, as Get-MarketoList writes it: flat (Export-Csv and ConvertTo-Json keep every
/// value). Marketo's list reads give no member count, so there is none here.
/// </summary>
public sealed class MarketoList
{
    /// <summary>Static or Smart.</summary>
    public string Type { get; init; } = "";
    public long Id { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }

    /// <summary>The program a static list belongs to.</summary>
    public string? ProgramName { get; init; }

    /// <summary>The folder or program a smart list is in (its id and type, Folder or Program).</summary>
    public long? FolderId { get; init; }
    public string? FolderType { get; init; }
    public string? Workspace { get; init; }

    /// <summary>The smart list's page in Marketo.</summary>
    public string? Url { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }

    internal static MarketoList From(MarketoListInfo l) => new()
    {
        Type = l.Type,
        Id = l.Id,
        Name = l.Name,
        Description = l.Description,
        ProgramName = l.ProgramName,
        FolderId = l.FolderId,
        FolderType = l.FolderType,
        Workspace = l.Workspace,
        Url = l.Url,
        CreatedAt = l.CreatedAt,
        UpdatedAt = l.UpdatedAt,
    };
}
