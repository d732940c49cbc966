namespace SalesSync.Core.People;

/// <summary>
/// A Salesforce User that owns synced people, as a sync last read it (User.Name, Email, IsActive): kept beside the
/// people, one record per owner, and joined to them when they are read.
/// </summary>
public sealed record SalesOwner(string Id, string? Name, string? Email, bool IsActive, DateTimeOffset ReadAt);

/// <summary>A synced person with their owner as last read from Salesforce (null when never read, or not a user).</summary>
public sealed record PersonWithOwner(PersonRecord Person, SalesOwner? Owner);
