using Ata.Core.Console;
using Ata.Core.Hardware;
using Ata.Core.Media;
using Ata.Core.Settings;
using Ata.Core.Tests.Media;

namespace Ata.Core.Tests.Console;

/// <summary>
/// <c>echo measure</c> through the adapter on a line whose earpiece echoes into its microphone (the hybrid model
/// behind 40 ms of board buffering): the probe owns the line's audio while it listens, the delay found is used at
/// once, told unasked, saved in the settings (so the board applies it after a restart) and shown by <c>echo</c>.
/// </summary>
public class EchoMeasureConsoleTests
{
    private const int BoardDelay = 320;

    private readonly MemoryConfigStore _store = new();
    private readonly EchoingLines _lines = new();
    private readonly Adapter _adapter;
    private readonly TechnicianConsole _console;
    private readonly double[] _noise = EchoSignals.NearEnd(20000, null, 0, EchoSignals.NoisyLine);
    private long _now = 100;

    public EchoMeasureConsoleTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), new FakeSocket(), new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(5), 0)
        {
            Audio = _lines,
        };
        _console = new TechnicianConsole(_adapter, new FakeDevice(), new DeviceSettings(), _store, new RecentLog(20), 0);
    }

    /// <summary>What each line's earpiece played, and its microphone: the echo of line 1's earpiece through the hybrid, plus noise.</summary>
    private sealed class EchoingLines : IAudioSink
    {
        public List<short>[] Played { get; } = [[], []];

        public void Play(int line, short[] samples, int offset, int count) => Played[line - 1].AddRange(samples.Skip(offset).Take(count));
    }

    /// <summary>10 ms of the board's loop: the adapter ticks (the earpiece plays), the microphone's 10 ms arrive, the console speaks if it has to.</summary>
    private string Loop(ref int heard)
    {
        _now += 10;
        _adapter.Tick(_now);
        List<short> played = _lines.Played[0];
        var mic = new short[80];
        for (int i = 0; i < mic.Length; i++)
        {
            int n = heard + i;
            double echo = 0;
            for (int k = 0; k < EchoSignals.HybridTaps.Length; k++)
            {
                int at = n - BoardDelay - k;
                echo += at >= 0 && at < played.Count ? EchoSignals.HybridTaps[k] * played[at] : 0;
            }

            mic[i] = (short)Math.Round(echo + _noise[n % _noise.Length]);
        }

        heard += mic.Length;
        _adapter.OnAudio(1, mic, 0, mic.Length, _now);
        return _console.Tick(_now);
    }

    private void Lift()
    {
        _adapter.OnHook(1, true, _now);
        for (int i = 0; i < 10; i++)
        {
            _now += 10;
            _adapter.Tick(_now);
        }
    }

    [Fact]
    public void A_line_on_hook_is_not_measured()
    {
        Assert.Equal("error: line 1 is on hook: lift the handset of its phone (and keep quiet), then measure\r\n", _console.Execute("echo measure 1", _now));
        Assert.Equal("error: no line 3 (lines are 1 to 2)\r\n", _console.Execute("echo measure 3", _now));
        Assert.Equal("error: usage: echo [measure [LINE]]\r\n", _console.Execute("echo calibrate", _now));
        Assert.Null(_adapter.EchoPathProbe);
    }

    [Fact]
    public void The_measured_delay_is_used_told_saved_and_shown()
    {
        Lift();
        string started = _console.Execute("echo measure", _now);
        Assert.StartsWith("measuring line 1's echo path", started);
        Assert.Contains("measuring:  line 1 (quiet)", _console.Execute("echo", _now));
        _lines.Played[0].Clear();

        int heard = 0;
        string told = string.Empty;
        for (int i = 0; i < 2000 && told.Length == 0; i++)
        {
            told = Loop(ref heard);
        }

        EchoPathProbe probe = _adapter.EchoPathProbe!;
        Assert.Equal(EchoPathProbe.Measured, probe.State);
        Assert.InRange(probe.EchoDelaySamples, BoardDelay - 8, BoardDelay + 8);
        int bulk = probe.BulkDelaySamples;
        Assert.InRange(bulk, BoardDelay - EchoPathProbe.FramingSamples - 16, BoardDelay - EchoPathProbe.FramingSamples);
        Assert.Equal(bulk, _adapter.EchoPathDelay(1));
        Assert.Equal(0, _adapter.EchoPathDelay(2));

        Assert.StartsWith("\r\nline 1: echo starts " + probe.EchoDelaySamples + " samples (", told);
        Assert.Contains("saved as echo.line1 = " + bulk + "\r\n", told);
        Assert.EndsWith(TechnicianConsole.Prompt, told);
        Assert.Equal(string.Empty, _console.Tick(_now + 10));

        // Kept in the settings record: the board applies it at the next boot.
        Assert.Equal(bulk, DeviceSettings.Load(_store, out _).EchoPathDelay(1));
        Assert.Equal(-1, DeviceSettings.Load(_store, out _).EchoPathDelay(2));
        string shown = _console.Execute("echo", _now);
        Assert.Contains("line 1:     echo path delay " + bulk + " samples", shown);
        Assert.Contains("(stored echo.line1 = " + bulk + ")", shown);
        Assert.Contains("line 2:     echo path delay 0 samples (0.0 ms) (the board's; not measured)", shown);

        var restarted = new Adapter("ata-1", new FakeDevice(), new FakeSocket(), new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(5), 0);
        restarted.UseEchoPathDelay(0);
        restarted.UseEchoPathDelay(1, DeviceSettings.Load(_store, out _).EchoPathDelay(1));
        Assert.Equal(bulk, restarted.EchoPathDelay(1));
    }

    [Fact]
    public void The_probe_owns_the_line_s_audio_only_while_it_listens()
    {
        Lift();
        Assert.StartsWith("measuring line 1's echo path", _console.Execute("echo measure 1", _now));
        _lines.Played[0].Clear();
        int heard = 0;
        while (_adapter.EchoPathProbe!.IsListening)
        {
            Loop(ref heard);
        }

        // Silence, the burst, silence: nothing else (no tone) reached the earpiece meanwhile.
        List<short> played = _lines.Played[0];
        Assert.InRange(played.Count, EchoPathProbe.TotalSamples, EchoPathProbe.TotalSamples + 80);
        Assert.All(played.Take(EchoPathProbe.QuietSamples), s => Assert.Equal(0, s));
        Assert.Contains(played.Skip(EchoPathProbe.QuietSamples).Take(EchoPathProbe.ProbeSamples), s => s != 0);
        Assert.All(played.Skip(EchoPathProbe.QuietSamples + EchoPathProbe.ProbeSamples), s => Assert.Equal(0, s));
        Assert.Equal("error: line 1's echo path is being measured; wait for it\r\n", _console.Execute("echo measure 2", _now));
    }

    [Fact]
    public void The_outcome_told_unasked_shows_a_half_typed_secret_masked_as_its_echo_did()
    {
        Lift();
        _console.Execute("echo measure 1", _now);
        Assert.Equal("set device.secret **", _console.Receive("set device.secret ab", _now));
        int heard = 0;
        string told = string.Empty;
        for (int i = 0; i < 2000 && told.Length == 0; i++)
        {
            told = Loop(ref heard);
        }

        Assert.EndsWith("\r\n" + TechnicianConsole.Prompt + "set device.secret **", told);
        Assert.DoesNotContain("ab", told);
    }

    [Fact]
    public void A_line_that_went_on_hook_during_the_measurement_fails_it_and_nothing_is_saved()
    {
        Lift();
        _console.Execute("echo measure 1", _now);
        int heard = 0;
        Loop(ref heard);
        _adapter.OnHook(1, false, _now);
        string told = string.Empty;
        for (int i = 0; i < 100 && told.Length == 0; i++)
        {
            told = Loop(ref heard);
        }

        Assert.StartsWith("\r\necho path of line 1 not measured: line 1 changed (idle) during the measurement", told);
        Assert.Null(_store.Read(DeviceSettings.RecordName));
        Assert.Equal(0, _adapter.EchoPathDelay(1));
    }

    [Fact]
    public void A_technician_may_store_a_delay_by_hand_within_the_canceller_s_reach()
    {
        Assert.StartsWith("echo.line2 = 120 (saved", _console.Execute("set echo.line2 120", _now));
        Assert.Equal("error: echo.line1 must be the echo path's delay in samples, 0 to 800 (or measure it: echo measure 1)\r\n", _console.Execute("set echo.line1 801", _now));
        Assert.Equal(120, DeviceSettings.Load(_store, out _).EchoPathDelay(2));
        Assert.Contains("echo.line2 = 120", _console.Execute("show echo", _now));
    }
}
