using System.Text;
using SalesSync.Core.Salesforce;

namespace SalesSync.Core.Tests.Engine;

public class SoqlChunkingTests
{
    // Long, awkward emails: quotes and backslashes to escape, CJK (9 encoded chars each) and emoji (12).
    private static List<string> LongEmails(int count) => Enumerable.Range(0, count)
        .Select(i => $"o'brien\\\"quoted\"-{i:D3}.{new string('x', i % 37)}.用户名📧{(i % 2 == 0 ? "🎉" : "é")}@例子.sub-domain.example.com")
        .ToList();

    private static int Encoded(string text) => Uri.EscapeDataString(text).Length;

    [Fact]
    public void LongEmailsAreSplitWithinBudgetInOrderEachOnce()
    {
        var emails = LongEmails(200);
        Assert.True(Encoded(Soql.InList(emails)) > 16_384, "the test data must be able to break the URI limit");

        var chunks = Soql.InListChunks(emails).ToList();

        Assert.True(chunks.Count > 2, $"expected several chunks, got {chunks.Count}");
        Assert.All(chunks, c => Assert.InRange(Encoded(c), 1, Soql.DefaultMaxInListEncodedLength));
        var parsed = chunks.Select(ParseInList).ToList();
        Assert.All(parsed, p => Assert.InRange(p.Count, 1, Soql.MaxInListSize));
        Assert.Equal(emails, parsed.SelectMany(p => p));
    }

    [Fact]
    public void EveryChunkIsFilledGreedily()
    {
        var emails = LongEmails(200);
        const int budget = 2000;
        var chunks = Soql.InListChunks(emails, budget).ToList();
        var taken = 0;
        foreach (var chunk in chunks[..^1])
        {
            taken += ParseInList(chunk).Count;
            var withNext = chunk[..^1] + "," + Soql.Quote(emails[taken]) + ")";
            Assert.True(Encoded(withNext) > budget, "a chunk was closed although the next value fitted");
        }
    }

    [Fact]
    public void ChunksAreWhatInListWouldProduceForEachSlice()
    {
        var ids = Enumerable.Range(0, 450).Select(i => (object?)$"00Q5g{i:D10}AAA").ToList();

        var chunks = Soql.InListChunks(ids).ToList();

        // 200 ids encode to 5,403 characters: the default budget keeps id lists at 200 per query.
        Assert.Equal(5_403, Encoded(chunks[0]));
        Assert.Equal([200, 200, 50], chunks.Select(c => ParseInList(c).Count));
        Assert.Equal(ids.Chunk(200).Select(Soql.InList), chunks);
    }

    [Fact]
    public void MaxValuesIsHonoured()
    {
        var chunks = Soql.InListChunks(Enumerable.Range(1, 7).Select(i => (object?)i), maxValues: 3).ToList();
        Assert.Equal(["(1,2,3)", "(4,5,6)", "(7)"], chunks);
    }

    [Fact]
    public void EveryValueGoesThroughLiteral()
    {
        var when = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        object?[] values = ["a", 1, true, null, when, new DateOnly(2026, 1, 2), 2.5m, "x') OR Id != null OR Name IN ('y"];

        var chunk = Assert.Single(Soql.InListChunks(values));

        Assert.Equal("(" + string.Join(",", values.Select(Soql.Literal)) + ")", chunk);
        Assert.Equal(@"('a',1,true,null,2026-01-01T00:00:00Z,2026-01-02,2.5,'x\') OR Id != null OR Name IN (\'y')", chunk);
    }

    [Fact]
    public void ValueAtTheExactBudgetFitsAloneAndOneMoreCharacterDoesNot()
    {
        const int budget = 100;
        var fits = new string('a', budget - Encoded("('')")); // 8 characters of brackets and quotes
        Assert.Equal(budget, Encoded(Assert.Single(Soql.InListChunks([fits], budget))));
        Assert.Equal(["('" + fits + "')", "('b')"], Soql.InListChunks([fits, "b"], budget));

        Assert.Throws<ArgumentException>(() => Soql.InListChunks([fits + "a"], budget).ToList());
    }

    [Fact]
    public void ValueTooLongAloneThrowsNamingItsPositionAfterYieldingEverythingBeforeIt()
    {
        var secret = "very.private.person@example.com";
        var tooLong = secret + new string('z', 7000);
        object?[] values = ["first@example.com", "second@example.com", tooLong];

        var yielded = new List<string>();
        var error = Assert.Throws<ArgumentException>(() => { foreach (var c in Soql.InListChunks(values)) yielded.Add(c); });

        Assert.Equal("values", error.ParamName);
        Assert.Contains("position 2", error.Message);
        Assert.Contains("too long", error.Message);
        Assert.DoesNotContain(secret, error.Message);
        Assert.DoesNotContain("zzz", error.Message);
        Assert.Equal(["('first@example.com','second@example.com')"], yielded);
    }

    [Fact]
    public void ValueTooLongOnlyOnceEncodedThrows()
    {
        // 30 characters of text, but 30 × 9 percent-encoded: only the encoded length counts.
        var cjk = new string('名', 30);
        Assert.True(Soql.Quote(cjk).Length < 100);
        var error = Assert.Throws<ArgumentException>(() => Soql.InListChunks(["ok", cjk], maxEncodedLength: 100).ToList());
        Assert.Contains("position 1", error.Message);
        Assert.DoesNotContain(cjk, error.Message);
    }

    [Fact]
    public void UnsupportedValueTypeThrowsWithItsPosition()
    {
        var error = Assert.Throws<ArgumentException>(() => Soql.InListChunks(["a", new Uri("https://example.com/")]).ToList());
        Assert.Contains("position 1", error.Message);
        Assert.Contains(nameof(Uri), error.Message);
        Assert.DoesNotContain("example.com", error.Message);
    }

    [Fact]
    public void EmptyInputYieldsNothing() => Assert.Empty(Soql.InListChunks([]));

    [Fact]
    public void InputIsStreamed()
    {
        var read = 0;
        IEnumerable<object?> Endless()
        {
            for (var i = 0; ; i++) { read++; yield return $"p{i}"; }
        }

        var chunks = Soql.InListChunks(Endless());
        Assert.Equal(0, read);

        using var e = chunks.GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(Soql.MaxInListSize, ParseInList(e.Current).Count);
        Assert.Equal(Soql.MaxInListSize, read); // a chunk full by count goes out without reading ahead
        Assert.True(e.MoveNext());
        Assert.Equal("p200", ParseInList(e.Current)[0]);
        Assert.Equal(2 * Soql.MaxInListSize, read);

        // Full by length: one value of look-ahead is needed to know the next one does not fit.
        read = 0;
        using var byLength = Soql.InListChunks(Endless(), maxEncodedLength: 100).GetEnumerator();
        Assert.True(byLength.MoveNext());
        Assert.Equal(ParseInList(byLength.Current).Count + 1, read);
    }

    [Fact]
    public void ArgumentsAreCheckedAtTheCall()
    {
        IEnumerable<object?> NeverEnumerated()
        {
            throw new InvalidOperationException("enumerated");
#pragma warning disable CS0162 // the yield makes this an iterator, which runs only when enumerated
            yield break;
#pragma warning restore CS0162
        }

        Assert.Throws<ArgumentNullException>(() => Soql.InListChunks(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => Soql.InListChunks(NeverEnumerated(), maxValues: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Soql.InListChunks(NeverEnumerated(), maxValues: Soql.MaxInListSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Soql.InListChunks(NeverEnumerated(), maxEncodedLength: 6));
        Assert.Single(Soql.InListChunks([1], maxEncodedLength: 7));
    }

    [Fact]
    public void InListIsUnchanged()
    {
        Assert.Equal("('a',true,null)", Soql.InList(["a", true, null]));
        Assert.Throws<ArgumentException>(() => Soql.InList([]));
        Assert.Throws<ArgumentException>(() => Soql.InList(Enumerable.Range(0, 201).Select(i => (object?)i)));
    }

    /// <summary>Reads back an IN list of string literals, undoing Soql's escapes.</summary>
    private static List<string> ParseInList(string chunk)
    {
        Assert.StartsWith("(", chunk);
        Assert.EndsWith(")", chunk);
        var values = new List<string>();
        var i = 1;
        while (true)
        {
            Assert.Equal('\'', chunk[i++]);
            var sb = new StringBuilder();
            while (chunk[i] != '\'')
            {
                var c = chunk[i++];
                if (c != '\\') { sb.Append(c); continue; }
                var escaped = chunk[i++];
                sb.Append(escaped switch
                {
                    'n' => '\n', 'r' => '\r', 't' => '\t', 'b' => '\b', 'f' => '\f',
                    '\\' or '\'' or '"' => escaped,
                    _ => throw new FormatException($"Unknown escape \\{escaped}"),
                });
            }
            i++;
            values.Add(sb.ToString());
            if (chunk[i] == ')') { Assert.Equal(chunk.Length - 1, i); return values; }
            Assert.Equal(',', chunk[i++]);
        }
    }
}
