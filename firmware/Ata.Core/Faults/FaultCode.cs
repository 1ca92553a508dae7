namespace Ata.Core.Faults
{
    /// <summary>
    /// One fault code per cause. Registration faults carry a TEL LED blink count
    /// (see <see cref="Ata.Core.Leds.LedTable"/>).
    /// </summary>
    public static class FaultCode
    {
        /// <summary>The WAN has no link or no address.</summary>
        public const string NetworkDown = "wan.down";
        /// <summary>The registrar rejected the credentials (401/407 after authenticating, or 403).</summary>
        public const string WrongCredentials = "sip.credentials";
        /// <summary>The registrar does not know the account (404).</summary>
        public const string AccountUnknown = "sip.account-unknown";
        /// <summary>No answer from the registrar (timeout, 408, ICMP).</summary>
        public const string RegistrarUnreachable = "sip.unreachable";
        /// <summary>The registrar's host name does not resolve.</summary>
        public const string DnsFailure = "sip.dns";
        /// <summary>The registrar answered 5xx.</summary>
        public const string RegistrarOverloaded = "sip.overloaded";
        /// <summary>The registrar refused the REGISTER for another reason (other 4xx, 6xx).</summary>
        public const string RegistrationRefused = "sip.refused";
        /// <summary>The provisioning document was refused.</summary>
        public const string ConfigRefused = "config.refused";

        /// <summary>Fault state names on the wire.</summary>
        public const string Raised = "raised";
        /// <summary>Fault state names on the wire.</summary>
        public const string Cleared = "cleared";
    }
}
