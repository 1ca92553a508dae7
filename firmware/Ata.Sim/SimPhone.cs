using Ata.Core;
using Ata.Core.Dtmf;
using Ata.Core.Health;
using Ata.Core.Telephony;

namespace Ata.Sim;

/// <summary>
/// The phones plugged into the simulated adapter, driven from stdin: hook, flash, DTMF and rotary
/// digits, ringing, the WAN. Actions spread over time (pulses, flashes, DTMF digits) are scheduled
/// with their own times, so the hook edges keep their spacing when the loop is late, as the board's
/// interrupt handler stamps them.
/// </summary>
internal sealed class SimPhone(Func<Adapter> adapter, string localAddress, SimMicrophone[] microphones, Action<Action<long>> post, Action<string> log, Action quit)
{
    public const string Help = "offhook (answer), onhook (hangup), flash, dial DIGITS, pulse N, ring, stopring, mic tone HZ, mic wav FILE, mic ack KEY, mic off [LINE]; wan down, wan up, quit";

    // Touched by the loop thread only.
    private readonly List<(long At, Action<long> Action)> _timed = [];

    /// <summary>The earliest time a scheduled action is due, or <paramref name="fallback"/>.</summary>
    public long NextDue(long fallback) => _timed.Count == 0 ? fallback : Math.Min(fallback, _timed.Min(t => t.At));

    /// <summary>Runs every scheduled action that is due at <paramref name="now"/>, in time order.</summary>
    public void RunDue(long now)
    {
        while (_timed.Count > 0)
        {
            int first = 0;
            for (int i = 1; i < _timed.Count; i++)
            {
                if (_timed[i].At < _timed[first].At)
                {
                    first = i;
                }
            }

            if (_timed[first].At > now)
            {
                return;
            }

            var (at, action) = _timed[first];
            _timed.RemoveAt(first);
            action(at);
        }
    }

    /// <summary>Reads actions from stdin until it ends.</summary>
    public void ReadStdin()
    {
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            Take(line);
        }

        // End of input is not a request to stop: the adapter runs until it is told to quit or signalled.
    }

    private void Take(string line)
    {
        string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
        {
            return;
        }

        // dial and pulse take their argument first, then the line; mic takes a source and its argument.
        int lineAt = words[0] is "dial" or "pulse" ? 2 : words[0] == "mic" ? (words.Length > 1 && words[1] == "off" ? 2 : 3) : 1;
        int n = words.Length > lineAt && int.TryParse(words[lineAt], out int given) ? given : 1;
        if (words[0] != "wan" && n is < 1 or > Adapter.LineCount)
        {
            log($"'{line}': the adapter has lines 1 and 2");
            return;
        }

        switch (words[0])
        {
            case "offhook" or "answer": post(now => adapter().OnHook(n, true, now)); break;
            case "onhook" or "hangup": post(now => adapter().OnHook(n, false, now)); break;
            case "mic": Microphone(words, n, line); break;
            case "flash": Flash(n); break;
            case "ring": post(now => adapter().Ring(n, now)); break;
            case "stopring": post(now => adapter().StopRinging(n, now)); break;
            case "dial" when words.Length > 1 && words[1].All(c => DtmfKeypad.Keys.Contains(c, StringComparison.Ordinal)):
                post(_ => microphones[n - 1].Press(words[1]));
                break;
            case "dial": log($"'{line}': dial takes DTMF keys 0-9 * # (A-D), e.g. dial 22334455"); break;
            case "pulse" when words.Length > 1 && int.TryParse(words[1], out int pulses) && pulses is >= 1 and <= 10:
                Pulse(n, pulses);
                break;
            case "pulse": log($"'{line}': pulse takes a count from 1 to 10 (10 is the digit 0)"); break;
            case "wan" when words.Length > 1 && words[1] == "down": post(now => adapter().SetWan(WanState.Down, null!, now)); break;
            case "wan" when words.Length > 1 && words[1] == "up": post(now => adapter().SetWan(WanState.Online, localAddress, now)); break;
            case "quit": quit(); return;
            default: log($"unknown action '{line}' ({Help})"); break;
        }
    }

    private void Flash(int line) => post(now =>
    {
        long breakMs = (HookDecoder.PulseBreakMaxMs + adapter().Port(line).FlashMaxMs) / 2;
        adapter().OnHook(line, false, now);
        _timed.Add((now + breakMs, at => adapter().OnHook(line, true, at)));
    });

    private void Pulse(int line, int pulses) => post(now =>
    {
        // 10 pulses a second: 60 ms break, 40 ms make, all timed from one start.
        for (int k = 0; k < pulses; k++)
        {
            _timed.Add((now + (k * 100L), at => adapter().OnHook(line, false, at)));
            _timed.Add((now + (k * 100L) + 60, at => adapter().OnHook(line, true, at)));
        }
    });

    private void Microphone(string[] words, int line, string text)
    {
        SimMicrophone microphone = microphones[line - 1];
        switch (words.Length > 1 ? words[1] : "")
        {
            case "off":
                post(_ => microphone.Off());
                break;
            case "tone" when words.Length > 2 && double.TryParse(words[2], System.Globalization.CultureInfo.InvariantCulture, out double hz) && hz is > 0 and < 4000:
                post(_ => microphone.Tone(hz, 8000));
                break;
            case "ack" when words.Length > 2 && words[2].Length == 1 && "ABCD".Contains(words[2][0], StringComparison.Ordinal):
                post(_ => microphone.AcknowledgeCallerId(words[2][0]));
                break;
            case "wav" when words.Length > 2:
                try
                {
                    short[] samples = SimMicrophone.ReadWav(words[2]);
                    post(_ => microphone.Wav(samples));
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    log($"'{text}': {e.Message}");
                }

                break;
            default:
                log($"'{text}': mic tone HZ (below 4000), mic wav FILE (8 kHz 16-bit mono), mic ack KEY (A-D: acknowledge caller ID during a call) or mic off, then the line");
                break;
        }
    }
}
