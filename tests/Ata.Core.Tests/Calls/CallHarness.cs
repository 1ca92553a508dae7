namespace Ata.Core.Tests.Calls;

/// <summary>Drives an adapter through a call in virtual time: what the far end says, and time passing with the microphone on.</summary>
internal sealed class CallHarness(Adapter adapter)
{
    private readonly short[] _microphone = new short[160];

    public long Now { get; private set; }

    /// <summary>Delivers a SIP message on the SIP socket now.</summary>
    public void Deliver(string message)
    {
        byte[] bytes = Registrar.Bytes(message);
        adapter.OnDatagram(bytes, bytes.Length, Now);
    }

    /// <summary>Lets <paramref name="ms"/> pass in 20 ms steps, the handset's microphone delivering silence as a board's does.</summary>
    public void Advance(long ms) => Advance(ms, _ => _microphone);

    /// <summary>Lets <paramref name="ms"/> pass in 20 ms steps, the handset's microphone delivering what <paramref name="microphone"/> gives for the step that starts at the time passed.</summary>
    public void Advance(long ms, Func<long, short[]> microphone)
    {
        long end = Now + ms;
        while (Now < end)
        {
            short[] heard = microphone(Now);
            Now = Math.Min(end, Now + 20);
            adapter.OnAudio(1, heard, 0, heard.Length, Now);
            adapter.Tick(Now);
        }
    }
}
