namespace SalesSync.Core.People;

/// <summary>What a sync did to one person.</summary>
public enum PersonChange
{
    Added,
    Updated,
    Unchanged,
    Removed,
}

/// <summary>One person a sync wrote or removed, how, and (for an update) the values stored before it.</summary>
public readonly record struct PersonWrite(PersonRecord Person, PersonChange Change)
{
    /// <summary>The stored person the update replaced; null unless <see cref="Change"/> is Updated.</summary>
    public PersonRecord? Before { get; init; }
}
