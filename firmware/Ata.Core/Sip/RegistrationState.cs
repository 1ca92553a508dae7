namespace Ata.Core.Sip
{
    /// <summary>Registration state names of a line, as reported in health and events.</summary>
    public static class RegistrationState
    {
        /// <summary>No account provisioned on the line.</summary>
        public const string Unprovisioned = "unprovisioned";
        /// <summary>A REGISTER is in flight (including the authenticated retry).</summary>
        public const string Registering = "registering";
        /// <summary>The registrar accepted the binding.</summary>
        public const string Registered = "registered";
        /// <summary>The last attempt failed; a fault says why.</summary>
        public const string Failed = "failed";
        /// <summary>The binding is being removed (<c>Expires: 0</c>) because the account changed or the adapter is reset.</summary>
        public const string Unregistering = "unregistering";
        /// <summary>The binding was removed; the registration is finished.</summary>
        public const string Unregistered = "unregistered";
    }
}
