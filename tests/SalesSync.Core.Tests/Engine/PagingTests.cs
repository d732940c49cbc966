using SalesSync.Core.Marketo;

namespace SalesSync.Core.Tests.Engine;

/// <summary>Paging follows what the documented responses carry: leads send moreResult, list members do not.</summary>
public class PagingTests
{
    [Theory]
    [InlineData("""{"success":true,"result":[{"id":1}],"nextPageToken":"T"}""", "T")]                       // no moreResult (list members): follow
    [InlineData("""{"success":true,"result":[{"id":1}],"nextPageToken":"T","moreResult":true}""", "T")]
    [InlineData("""{"success":true,"result":[{"id":1}],"nextPageToken":"T","moreResult":false}""", null)]   // the end, whatever the token
    [InlineData("""{"success":true,"result":[{"id":1}]}""", null)]
    [InlineData("""{"success":true,"result":[],"nextPageToken":"T"}""", null)]                             // an empty page without moreResult ends
    [InlineData("""{"success":true,"nextPageToken":"T","moreResult":true}""", "T")]                        // activities: empty pages can say more
    [InlineData("""{"success":true,"result":[{"id":1}],"nextPageToken":""}""", null)]
    public void TheContinuationTokenFollowsTheResponse(string json, string? expected) =>
        Assert.Equal(expected, MarketoResponse.Parse(json).ContinuationToken);
}
