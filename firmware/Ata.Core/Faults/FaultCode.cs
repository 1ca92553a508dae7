namespace Ata.Core.Faults
{
    /// <summary>
    /// One fault code per cause. The LEDs show some of them as blink codes
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
        /// <summary>No answer from the registrar (timeout, 408, ICMP, unanswered liveness probes).</summary>
        public const string RegistrarUnreachable = "sip.unreachable";
        /// <summary>The registrar's host name does not resolve.</summary>
        public const string DnsFailure = "sip.dns";
        /// <summary>The registrar answered 5xx.</summary>
        public const string RegistrarOverloaded = "sip.overloaded";
        /// <summary>The registrar refused the REGISTER for another reason (other 4xx, 6xx).</summary>
        public const string RegistrationRefused = "sip.refused";
        /// <summary>The provisioning document was refused.</summary>
        public const string ConfigRefused = "config.refused";
        /// <summary>The gateway's broker refused the adapter's login: the device secret is wrong.</summary>
        public const string GatewayLoginRefused = "gateway.login-refused";
        /// <summary>A setting or the provisioning could not be written to flash.</summary>
        public const string StorageFailed = "storage.failed";

        /// <summary>Fault state names on the wire.</summary>
        public const string Raised = "raised";
        /// <summary>Fault state names on the wire.</summary>
        public const string Cleared = "cleared";
        /// <summary>
        /// The state of a snapshot message: the complete list of the adapter's open faults (field
        /// <c>active</c>), sent after every connection; the gateway closes any open fault it lacks.
        /// </summary>
        public const string Snapshot = "snapshot";

        /// <summary>Every code the adapter raises; the gateway counts anything else under one label.</summary>
        public static readonly string[] All =
        {
            NetworkDown, WrongCredentials, AccountUnknown, RegistrarUnreachable, DnsFailure, RegistrarOverloaded,
            RegistrationRefused, ConfigRefused, GatewayLoginRefused, StorageFailed,
        };

        /// <summary>Whether <paramref name="code"/> is one of <see cref="All"/>.</summary>
        public static bool IsKnown(string code)
        {
            for (int i = 0; i < All.Length; i++)
            {
                if (All[i] == code)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
