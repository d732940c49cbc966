using SalesSync.Core.Unsubscribes;

namespace SalesSync.Core.Tests.Unsubscribes;

/// <summary>
/// The address checks an unsubscribe lookup makes before it spends a Marketo call: plain addresses pass,
/// anything that would split filterValues or is not an address is refused with a message, and the lookup key
/// ignores case.
/// </summary>
public class EmailAddressTests
{
    [Theory]
    [InlineData("ana@example.com")]
    [InlineData("ana+newsletter@example.com")]
    [InlineData("ana.b+q4.promo@mail.sub.example.co.uk")]
    [InlineData("ANA.B@EXAMPLE.COM")]
    [InlineData("Ana_O'Neil-2@Example-Corp.io")]
    [InlineData("  ana@example.com\t")] // surrounding white space is trimmed, not refused
    [InlineData("\u00F8ystein@example.no")] // RFC 6531: non-ASCII local parts and domains
    [InlineData("j\u00FCrgen@\u4F8B\u3048.jp")]
    [InlineData("\uD83D\uDE00@example.com")]
    [InlineData("a!#$%&*/=?^_`{|}~b@example.com")] // every atext character
    public void Unsubscribe_PlainAddressesPass(string email)
    {
        Assert.Null(EmailAddress.Problem(email));
        Assert.Equal(email.Trim(), EmailAddress.Clean(email));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("ana.example.com")] // no @
    [InlineData("ana@b@example.com")] // two @
    [InlineData("@example.com")]
    [InlineData("ana@")]
    [InlineData("ana b@example.com")] // space inside
    [InlineData("ana@exam ple.com")]
    [InlineData("ana@example.com,bo@example.com")] // a comma splits Marketo's filterValues
    [InlineData("ana@example.com;bo@example.com")]
    [InlineData("Ana <ana@example.com>")] // display-name forms
    [InlineData("<ana@example.com>")]
    [InlineData("\"Ana\" ana@example.com")]
    [InlineData("ana@example.com (Ana)")]
    [InlineData(".ana@example.com")] // leading dot
    [InlineData("ana.@example.com")] // trailing dot
    [InlineData("an..a@example.com")] // two dots together
    [InlineData("ana@localhost")] // domain without a dot
    [InlineData("ana@example..com")]
    [InlineData("ana@.example.com")]
    [InlineData("ana@example.com.")]
    [InlineData("ana@-example.com")]
    [InlineData("ana@example-.com")]
    [InlineData("ana\u0000@example.com")]
    // New-admin walk P1: each of these passed as "safe to email" for an unsubscribed ana@example.com.
    [InlineData("mailto:ana@example.com")]
    [InlineData("MAILTO:ana@example.com")]
    [InlineData("smtp:ana@example.com")]
    [InlineData("'ana@example.com'")]
    [InlineData("ana@example.com\u200B")] // zero-width space
    [InlineData("\uFEFFana@example.com")] // byte-order mark
    [InlineData("ana\u2028@example.com")] // line separator
    [InlineData("ana@example.com?subject=hi")]
    [InlineData("ana@exa_mple.com")]
    public void Unsubscribe_NonAddressesAreRefusedWithAMessage(string? email)
    {
        var problem = EmailAddress.Problem(email);
        Assert.False(string.IsNullOrWhiteSpace(problem), $"'{email}' was accepted");
        if (!string.IsNullOrWhiteSpace(email)) Assert.Contains("'", problem); // names the address it refused
    }

    [Fact]
    public void Unsubscribe_LengthLimitsAre254ForTheAddressAnd64ForTheLocalPart()
    {
        // 64 + 1 + 189 = 254: the longest address that passes (labels of at most 63).
        var local64 = new string('a', 64);
        var domain189 = new string('b', 63) + "." + new string('c', 63) + "." + new string('d', 57) + ".com";
        Assert.Equal(189, domain189.Length);
        var longest = $"{local64}@{domain189}";
        Assert.Equal(254, longest.Length);
        Assert.Null(EmailAddress.Problem(longest));

        var tooLong = $"{local64}@e{domain189}";
        Assert.Equal(255, tooLong.Length);
        var problem = EmailAddress.Problem(tooLong);
        Assert.NotNull(problem);
        Assert.Contains("255 characters", problem);
        Assert.Contains("254", problem);
        Assert.DoesNotContain(tooLong, problem); // shortened in the message

        var huge = new string('x', 300) + "@example.com";
        Assert.Contains("312 characters", EmailAddress.Problem(huge));

        Assert.Contains("local part of 65", EmailAddress.Problem(new string('a', 65) + "@example.com"));
        Assert.NotNull(EmailAddress.Problem("ana@" + new string('b', 64) + ".com")); // a 64-character label
    }

    [Fact]
    public void Unsubscribe_KeyIgnoresCaseAndSurroundingSpaceOnly()
    {
        Assert.Equal(EmailAddress.Key("Ana.B+Tag@Example.COM"), EmailAddress.Key(" ana.b+tag@example.com "));
        Assert.Equal("ana.b+tag@example.com", EmailAddress.Key("ANA.B+TAG@EXAMPLE.COM"));
        Assert.NotEqual(EmailAddress.Key("ana.b@example.com"), EmailAddress.Key("anab@example.com")); // no Gmail-style folding
        Assert.NotEqual(EmailAddress.Key("ana+x@example.com"), EmailAddress.Key("ana@example.com"));
        Assert.Equal("Ana@Example.com", EmailAddress.Clean("  Ana@Example.com ")); // looked up as given
    }
}
