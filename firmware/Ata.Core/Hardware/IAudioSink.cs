namespace Ata.Core.Hardware
{
    /// <summary>The line's earpiece side: 8 kHz 16-bit PCM blocks towards the SLIC (or a file, in the simulator).</summary>
    public interface IAudioSink
    {
        /// <summary>Plays <paramref name="count"/> samples from <paramref name="samples"/> on <paramref name="line"/> (1-based); the buffer is reused after the call.</summary>
        void Play(int line, short[] samples, int offset, int count);
    }

    /// <summary>The ringing generator of the SLIC.</summary>
    public interface IRinger
    {
        /// <summary>Rings <paramref name="line"/> (1-based) while <paramref name="on"/>.</summary>
        void Set(int line, bool on);
    }
}
