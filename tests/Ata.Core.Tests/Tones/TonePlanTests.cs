using Ata.Core.Telephony;
using Ata.Core.Tones;

namespace Ata.Core.Tests.Tones;

/// <summary>
/// Pins the national defaults to the values checked against their sources (see "Sources and
/// certainty" in firmware/Ata.Core/Tones/README.md). A change here is a change of a national tone.
/// </summary>
public class TonePlanTests
{
    [Theory]
    // Norway: E.180 Supp. 2 as reproduced in Asterisk indications.conf and DAHDI zonedata.c.
    [InlineData(Country.Norway, ToneName.Dial, "425")]
    [InlineData(Country.Norway, ToneName.Busy, "425:500 0:500")]
    [InlineData(Country.Norway, ToneName.Ringback, "425:1000 0:4000")]
    [InlineData(Country.Norway, ToneName.Congestion, "425:200 0:200")]
    [InlineData(Country.Norway, ToneName.CallWaiting, "425:200 0:600 425:200 0:10000")]
    [InlineData(Country.Norway, ToneName.Stutter, "470:400 425:400")]
    [InlineData(Country.Norway, ToneName.SpecialInformation, "950:330 1400:330 1800:330 0:1000")]
    [InlineData(Country.Norway, ToneName.Ring, "25:1000 0:4000")]
    // Denmark.
    [InlineData(Country.Denmark, ToneName.Dial, "425")]
    [InlineData(Country.Denmark, ToneName.Busy, "425:500 0:500")]
    [InlineData(Country.Denmark, ToneName.Ringback, "425:1000 0:4000")]
    [InlineData(Country.Denmark, ToneName.Congestion, "425:200 0:200")]
    [InlineData(Country.Denmark, ToneName.CallWaiting, "425:200 0:600 425:200 0:3000 425:200 0:200 425:200 |")]
    [InlineData(Country.Denmark, ToneName.SpecialInformation, "950:330 1400:330 1800:330 0:1000")]
    [InlineData(Country.Denmark, ToneName.Ring, "25:1000 0:4000")]
    // Sweden.
    [InlineData(Country.Sweden, ToneName.Dial, "425")]
    [InlineData(Country.Sweden, ToneName.Busy, "425:250 0:250")]
    [InlineData(Country.Sweden, ToneName.Ringback, "425:1000 0:5000")]
    [InlineData(Country.Sweden, ToneName.Congestion, "425:250 0:750")]
    [InlineData(Country.Sweden, ToneName.CallWaiting, "425:200 0:500 425:200 0:9100")]
    [InlineData(Country.Sweden, ToneName.Stutter, "425:320 0:20")]
    [InlineData(Country.Sweden, ToneName.SpecialInformation, "950:332 0:24 1400:332 0:24 1800:332 0:2024")]
    [InlineData(Country.Sweden, ToneName.Ring, "25:1000 0:5000")]
    // Finland.
    [InlineData(Country.Finland, ToneName.Dial, "425")]
    [InlineData(Country.Finland, ToneName.Busy, "425:300 0:300")]
    [InlineData(Country.Finland, ToneName.Ringback, "425:1000 0:4000")]
    [InlineData(Country.Finland, ToneName.Congestion, "425:200 0:200")]
    [InlineData(Country.Finland, ToneName.CallWaiting, "425:150 0:150 425:150 0:8000")]
    [InlineData(Country.Finland, ToneName.Stutter, "425:650 0:25")]
    [InlineData(Country.Finland, ToneName.Ring, "25:1000 0:4000")]
    // Germany: the E.180 entry also as listed in the ITU tone list reproduced by PalmMicro's dialtone.txt.
    [InlineData(Country.Germany, ToneName.Dial, "425")]
    [InlineData(Country.Germany, ToneName.Busy, "425:480 0:480")]
    [InlineData(Country.Germany, ToneName.Ringback, "425:1000 0:4000")]
    [InlineData(Country.Germany, ToneName.Congestion, "425:240 0:240")]
    [InlineData(Country.Germany, ToneName.CallWaiting, "425:200 0:200 425:200 0:5000")]
    [InlineData(Country.Germany, ToneName.Stutter, "400+425")]
    [InlineData(Country.Germany, ToneName.SpecialInformation, "950:330 1400:330 1800:330 0:1000")]
    [InlineData(Country.Germany, ToneName.Ring, "25:1000 0:4000")]
    // United Kingdom: BT SIN 350 as reproduced in Asterisk and DAHDI.
    [InlineData(Country.UnitedKingdom, ToneName.Dial, "350+440")]
    [InlineData(Country.UnitedKingdom, ToneName.Busy, "400:375 0:375")]
    [InlineData(Country.UnitedKingdom, ToneName.Ringback, "400+450:400 0:200 400+450:400 0:2000")]
    [InlineData(Country.UnitedKingdom, ToneName.Congestion, "400:400 0:350 400:225 0:525")]
    [InlineData(Country.UnitedKingdom, ToneName.CallWaiting, "400:100 0:4000")]
    [InlineData(Country.UnitedKingdom, ToneName.Stutter, "350+440:750 440:750")]
    [InlineData(Country.UnitedKingdom, ToneName.SpecialInformation, "950:330 0:15 1400:330 0:15 1800:330 0:1000")]
    [InlineData(Country.UnitedKingdom, ToneName.Ring, "25:400 0:200 25:400 0:2000")]
    // United States.
    [InlineData(Country.UnitedStates, ToneName.Dial, "350+440")]
    [InlineData(Country.UnitedStates, ToneName.Busy, "480+620:500 0:500")]
    [InlineData(Country.UnitedStates, ToneName.Ringback, "440+480:2000 0:4000")]
    [InlineData(Country.UnitedStates, ToneName.Congestion, "480+620:250 0:250")]
    [InlineData(Country.UnitedStates, ToneName.CallWaiting, "440:300 0:9700")]
    [InlineData(Country.UnitedStates, ToneName.SpecialInformation, "912:274 1370:274 1776:380 0:1000")]
    [InlineData(Country.UnitedStates, ToneName.ReceiverOffHook, "1400+2060+2450+2600:100 0:100")]
    [InlineData(Country.UnitedStates, ToneName.Ring, "20:2000 0:4000")]
    public void A_national_default_has_its_verified_value(string country, string name, string spec)
    {
        Assert.Equal(spec, TonePlan.For(country).Get(name)!.Spec);
        Assert.Equal(spec, TonePlan.DefaultSpec(country, name));
    }

    [Fact]
    public void The_US_stutter_is_ten_short_bursts_then_steady_dial_tone()
    {
        Tone stutter = TonePlan.For(Country.UnitedStates).Get(ToneName.Stutter)!;
        Assert.Equal(21, stutter.SegmentCount);
        Assert.Equal(20, stutter.LoopFrom);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(100, stutter.Durations[i]);
            Assert.Equal(i % 2 == 0 ? new[] { 350, 440 } : Array.Empty<int>(), stutter.Frequencies[i]);
        }

        Assert.Equal(0, stutter.Durations[20]);
        Assert.Equal(new[] { 350, 440 }, stutter.Frequencies[20]);
        Assert.True(stutter.IsOnAt(1850));
        Assert.False(stutter.IsOnAt(1950));
        Assert.True(stutter.IsOnAt(2000));
        Assert.True(stutter.IsOnAt(60000));
    }

    [Theory]
    [InlineData(Country.Norway)]
    [InlineData(Country.Denmark)]
    [InlineData(Country.Sweden)]
    [InlineData(Country.Finland)]
    [InlineData(Country.Germany)]
    [InlineData(Country.UnitedKingdom)]
    [InlineData(Country.UnitedStates)]
    public void Refusal_is_the_national_special_information_tone_once_then_congestion(string country)
    {
        string sit = TonePlan.DefaultSpec(country, ToneName.SpecialInformation);
        string congestion = TonePlan.DefaultSpec(country, ToneName.Congestion);
        Assert.Equal(sit + " | " + congestion, TonePlan.For(country).Get(ToneName.Refusal)!.Spec);
        Assert.Equal(sit, TonePlan.For(country).Get(ToneName.NoService)!.Spec);
    }

    [Fact]
    public void The_US_special_information_tone_is_within_1_percent_of_913_8_1370_6_and_1776_7_Hz()
    {
        Tone sit = TonePlan.For(Country.UnitedStates).Get(ToneName.SpecialInformation)!;
        double[] exact = { 913.8, 1370.6, 1776.7 };
        int[] ms = { 274, 274, 380 };
        for (int i = 0; i < exact.Length; i++)
        {
            Assert.Single(sit.Frequencies[i]);
            Assert.InRange(sit.Frequencies[i][0], exact[i] * 0.99, exact[i] * 1.01);
            Assert.Equal(ms[i], sit.Durations[i]);
        }
    }

    [Fact]
    public void No_built_in_plan_needs_a_loop_longer_than_the_US_dial_tone()
    {
        foreach (string country in Country.All)
        {
            var plan = TonePlan.For(country);
            foreach (string name in ToneName.All)
            {
                Tone tone = plan.Get(name)!;
                foreach (ToneLoop? loop in tone.Loops)
                {
                    if (loop != null)
                    {
                        Assert.True(loop.Period <= TonePlan.MaxDefaultLoop, $"{country} {name}: {loop.Period} samples");
                    }
                }
            }
        }

        Assert.Equal(TonePlan.MaxDefaultLoop, new ToneLoop(new[] { 350, 440 }, 5000).Period);
    }
}
