namespace SalesSync.Core.People;

/// <summary>What a sync did to one person.</summary>
public enum PersonChange
{
    Added,
    Updated,
    Unchanged,
    Removed,
}
