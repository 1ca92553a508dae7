using Ata.Core.Telephony;

namespace Ata.Core.Tests.Telephony;

public class HookDecoderTests
{
    private readonly HookDecoder _hook = new() { FlashMaxMs = 300 };

    private List<string> Drain()
    {
        var events = new List<string>();
        HookEvent e;
        while ((e = _hook.Next()) != HookEvent.None)
        {
            events.Add(e == HookEvent.Digit ? "digit " + _hook.Digit : e.ToString());
        }

        return events;
    }

    /// <summary>Runs the hook through (level, from ms) edges, ticking every 5 ms up to <paramref name="until"/>.</summary>
    private List<string> Run(long until, params (bool OffHook, long At)[] edges)
    {
        var events = new List<string>();
        int next = 0;
        for (long t = 0; t <= until; t += 5)
        {
            while (next < edges.Length && edges[next].At <= t)
            {
                _hook.Sense(edges[next].OffHook, edges[next].At);
                next++;
            }

            _hook.Tick(t);
            events.AddRange(Drain());
        }

        return events;
    }

    [Fact]
    public void Lifting_and_putting_down_are_debounced()
    {
        // Contact bounce at both ends: the level flickers for a few ms before it settles.
        var events = Run(1000, (true, 100), (false, 102), (true, 104), (false, 600), (true, 603), (false, 605));
        Assert.Equal(["OffHook", "OnHook"], events);
    }

    [Fact]
    public void A_hang_up_is_known_once_the_flash_window_has_passed()
    {
        Assert.Equal(["OffHook"], Run(900, (true, 0), (false, 600)));
        Assert.Equal(["OnHook"], Run(1000));
    }

    [Fact]
    public void A_break_within_the_flash_window_is_a_flash_not_a_hang_up()
    {
        Assert.Equal(["OffHook", "Flash"], Run(2000, (true, 0), (false, 500), (true, 650)));
        Assert.True(_hook.IsOffHook);
    }

    [Fact]
    public void A_provisioned_flash_window_is_honoured()
    {
        _hook.FlashMaxMs = 120;
        Assert.Equal(["OffHook", "OnHook", "OffHook"], Run(2000, (true, 0), (false, 500), (true, 650)));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 5)]
    [InlineData(9, 9)]
    [InlineData(10, 0)]
    public void Rotary_pulses_at_10_per_second_make_a_digit(int pulses, int digit)
    {
        var edges = new List<(bool, long)> { (true, 0) };
        for (int k = 0; k < pulses; k++)
        {
            edges.Add((false, 1000 + (k * 100)));
            edges.Add((true, 1000 + (k * 100) + 60));
        }

        Assert.Equal(["OffHook", "digit " + digit], Run(3000, [.. edges]));
    }

    [Fact]
    public void Two_rotary_digits_are_told_apart_by_the_pause_between_them()
    {
        var edges = new List<(bool, long)> { (true, 0) };
        long t = 1000;
        foreach (int pulses in new[] { 2, 3 })
        {
            for (int k = 0; k < pulses; k++)
            {
                edges.Add((false, t));
                edges.Add((true, t + 66));
                t += 100;
            }

            t += 500;
        }

        Assert.Equal(["OffHook", "digit 2", "digit 3"], Run(4000, [.. edges]));
    }
}
