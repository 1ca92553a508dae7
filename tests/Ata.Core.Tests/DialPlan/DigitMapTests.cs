using Ata.Core.DialPlan;
using Ata.Core.Telephony;

namespace Ata.Core.Tests.DialPlan;

public class DigitMapTests
{
    private static DigitMap Map(string text)
    {
        DigitMap? map = DigitMap.Parse(text, out string error);
        Assert.True(map is not null, error);
        return map!;
    }

    [Theory]
    [InlineData("(11[023]|[2-9]xxxxxxx|00x.)", "112", DialMatch.Complete)]
    [InlineData("(11[023]|[2-9]xxxxxxx|00x.)", "114", DialMatch.NoMatch)]
    [InlineData("(11[023]|[2-9]xxxxxxx|00x.)", "2233", DialMatch.Partial)]
    [InlineData("(11[023]|[2-9]xxxxxxx|00x.)", "22334455", DialMatch.Complete)]
    [InlineData("(11[023]|[2-9]xxxxxxx|00x.)", "223344556", DialMatch.NoMatch)]
    [InlineData("(11[023]|[2-9]xxxxxxx|00x.)", "00", DialMatch.CompleteOrLonger)]
    [InlineData("(11[023]|[2-9]xxxxxxx|00x.)", "0046", DialMatch.CompleteOrLonger)]
    [InlineData("(11[023]|[2-9]xxxxxxx|00x.)", "1", DialMatch.Partial)]
    [InlineData("(11[023]|[2-9]xxxxxxx|00x.)", "", DialMatch.Partial)]
    [InlineData("[135]x|[2-4]9", "39", DialMatch.Complete)]
    [InlineData("[135]x|[2-4]9", "29", DialMatch.Complete)]
    [InlineData("[135]x|[2-4]9", "28", DialMatch.NoMatch)]
    [InlineData("*xx*x.#|#xx#", "*21*22334455#", DialMatch.Complete)]
    [InlineData("*xx*x.#|#xx#", "*21*2233", DialMatch.Partial)]
    [InlineData("*xx*x.#|#xx#", "#21#", DialMatch.Complete)]
    [InlineData("1x.5", "15", DialMatch.CompleteOrLonger)]
    [InlineData("1x.5", "16", DialMatch.Partial)]
    [InlineData("1x.5", "1995", DialMatch.CompleteOrLonger)]
    [InlineData("x.", "", DialMatch.CompleteOrLonger)]
    [InlineData("[1-3*]2", "*2", DialMatch.Complete)]
    public void Digits_match_a_map(string map, string digits, DialMatch expected) =>
        Assert.Equal(expected, Map(map).Match(digits));

    [Theory]
    [InlineData("", "empty dial plan")]
    [InlineData("(12|34", "'(' at position 1 is not closed by ')' at the end")]
    [InlineData("12||34", "empty alternative at position 4")]
    [InlineData(".1", "'.' at position 1 must follow a key, 'x' or a set")]
    [InlineData("1..", "'.' at position 3 must follow a key, 'x' or a set")]
    [InlineData("12q", "unexpected 'q' at position 3 (use 0-9 * # x [..] . |)")]
    [InlineData("1[2-", "'[' at position 2 is not closed")]
    [InlineData("[9-2]x", "range '9-2' at position 2 must run from a digit up to a digit")]
    [InlineData("[]x", "empty set at position 1")]
    public void A_bad_map_says_what_and_where(string text, string message)
    {
        Assert.Null(DigitMap.Parse(text, out string error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void Every_country_has_a_default_plan_that_parses_and_reaches_its_numbers()
    {
        foreach (string country in Country.All)
        {
            NumberingPlan numbering = NumberingPlan.For(country);
            DigitMap map = Map(numbering.DefaultDialPlan);
            Assert.NotEqual(DialMatch.NoMatch, map.Match("#21#"));
            Assert.NotEmpty(numbering.EmergencyNumbers);
        }

        Assert.Equal(DialMatch.Complete, Map(NumberingPlan.For(Country.Norway).DefaultDialPlan).Match("22334455"));
        Assert.Equal(DialMatch.Complete, Map(NumberingPlan.For(Country.UnitedStates).DefaultDialPlan).Match("2125551234"));
    }

    [Theory]
    [InlineData("NO", "110", null)]
    [InlineData("NO", "112", null)]
    [InlineData("NO", "113", null)]
    [InlineData("NO", "004670123456", BarringClass.International)]
    [InlineData("NO", "82012345", BarringClass.Premium)]
    [InlineData("NO", "1881", BarringClass.Information)]
    [InlineData("NO", "41234567", BarringClass.Mobile)]
    [InlineData("NO", "91234567", BarringClass.Mobile)]
    [InlineData("NO", "22334455", BarringClass.National)]
    [InlineData("DK", "112", null)]
    [InlineData("DK", "118", BarringClass.Information)]
    [InlineData("DK", "1181", BarringClass.Information)]
    [InlineData("DE", "110", null)]
    [InlineData("DE", "015112345678", BarringClass.Mobile)]
    [InlineData("DE", "0900123456", BarringClass.Premium)]
    [InlineData("DE", "03012345678", BarringClass.National)]
    [InlineData("UK", "999", null)]
    [InlineData("UK", "07700900123", BarringClass.Mobile)]
    [InlineData("UK", "100", BarringClass.Operator)]
    [InlineData("US", "911", null)]
    [InlineData("US", "0", BarringClass.Operator)]
    [InlineData("US", "01144123", BarringClass.International)]
    [InlineData("US", "19005551234", BarringClass.Premium)]
    public void Numbers_fall_in_barring_classes_and_emergency_numbers_in_none(string country, string number, string? barringClass)
    {
        var numbering = NumberingPlan.For(country);
        Assert.Equal(barringClass, numbering.ClassOf(number));
    }

    [Theory]
    [InlineData("NO", "110 112 113")]
    [InlineData("DK", "112")]
    [InlineData("SE", "112")]
    [InlineData("FI", "112")]
    [InlineData("DE", "110 112")]
    [InlineData("UK", "999 112")]
    [InlineData("US", "911")]
    public void Each_country_has_its_emergency_numbers(string country, string numbers)
    {
        var numbering = NumberingPlan.For(country);
        Assert.Equal(numbers, string.Join(' ', numbering.EmergencyNumbers));
        Assert.All(numbers.Split(' '), n => Assert.True(numbering.IsEmergency(n)));
    }
}
