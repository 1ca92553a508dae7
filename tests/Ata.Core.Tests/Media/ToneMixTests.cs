using Ata.Core.Media;
using Ata.Core.Tones;
using Ata.Native;
using Ata.Tests.Audio;

namespace Ata.Core.Tests.Media;

public class ToneMixTests
{
    [Fact]
    public void A_call_waiting_beep_is_added_over_call_audio_and_silence_segments_leave_it_alone()
    {
        Tone beep = Tone.Parse("cw", "440:100 0:100", null, true, out string? error)!;
        Assert.Null(error);
        var player = new TonePlayer();
        player.Start(beep);
        short[] call = TestSignals.Noise(3, 200, 2000);
        short[] mixed = (short[])call.Clone();
        for (int at = 0; at < mixed.Length; at += 160)
        {
            player.Mix(mixed, at, 160, new ManagedMediaKernels(), 16384);
        }

        Assert.InRange(ToneMeasurement.Share(mixed, 0, 800, 440), 0.4, 1);
        Assert.Equal(call.AsSpan(800, 800).ToArray(), mixed.AsSpan(800, 800).ToArray());
    }

    [Fact]
    public void Mixing_through_the_native_kernels_gives_the_same_samples()
    {
        Tone tone = TonePlan.For("US").Get(ToneName.Ringback);
        short[] managed = TestSignals.Vowels(1, 3000), native = (short[])managed.Clone();
        var a = new TonePlayer();
        var b = new TonePlayer();
        a.Start(tone);
        b.Start(tone);
        for (int at = 0; at < managed.Length; at += 160)
        {
            a.Mix(managed, at, 160, new ManagedMediaKernels(), 32768);
            b.Mix(native, at, 160, new NativeKernelLibrary(), 32768);
        }

        Assert.Equal(managed, native);
    }
}
