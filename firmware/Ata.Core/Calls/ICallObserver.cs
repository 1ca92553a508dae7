namespace Ata.Core.Calls
{
    /// <summary>Hears a line's call change (started, ringing, connected, ended).</summary>
    public interface ICallObserver
    {
        /// <summary><paramref name="call"/> changed state.</summary>
        void CallChanged(CallRecord call, long now);

        /// <summary><paramref name="call"/>'s audio went into pass-through (fax, modem; it stays until the call ends), or its echo canceller turned off or back on.</summary>
        void PassThroughChanged(CallRecord call, bool passThrough, bool echoCanceller, long now);
    }
}
