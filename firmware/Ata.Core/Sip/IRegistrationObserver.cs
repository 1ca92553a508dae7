namespace Ata.Core.Sip
{
    /// <summary>Hears a line's registration change.</summary>
    public interface IRegistrationObserver
    {
        /// <summary>A line's registration state, SIP code or fault changed.</summary>
        void RegistrationChanged(int line, string state, int sipCode, string fault, long now);
    }
}
