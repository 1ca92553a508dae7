using Ata.Core.Dns;
using Ata.Core.Hardware;
using Ata.Core.Provisioning;
using Ata.Core.Text;

namespace Ata.Core.Sip
{
    /// <summary>
    /// Where a line's requests go: the outbound proxy when one is provisioned (RFC 3261 §8.1.2),
    /// else the primary or the secondary registrar, found through DNS (RFC 3263 SRV with the
    /// <see cref="SipLocator"/>, or A records); and the failover round between the two registrars:
    /// a failure switches to the other at once, and once both failed in a round the line backs off.
    /// </summary>
    public sealed class RegistrarFailover
    {
        private readonly LineConfig _config;
        private readonly INameResolver _resolver;
        private bool _onSecondary;
        private bool _triedOther;

        /// <summary>Creates the choice of registrar for one line.</summary>
        /// <param name="config">The line's account.</param>
        /// <param name="resolver">A-record resolution, used when no <see cref="Locator"/> is set.</param>
        public RegistrarFailover(LineConfig config, INameResolver resolver)
        {
            _config = config;
            _resolver = resolver;
        }

        /// <summary>The SIP locator (own DNS client with SRV); null to use the resolver (A records only).</summary>
        public SipLocator Locator { get; set; }

        /// <summary>True while requests go to the secondary registrar.</summary>
        public bool OnSecondary
        {
            get { return _onSecondary; }
        }

        /// <summary>The host requests go to now (proxy, secondary or primary), as provisioned.</summary>
        public string Host
        {
            get { return _config.ProxyHost != null ? _config.ProxyHost : (_onSecondary ? _config.SecondaryHost : _config.RegistrarHost); }
        }

        /// <summary>
        /// Finds the address of <see cref="Host"/>: <see cref="SipLocator.Found"/> with
        /// <paramref name="address"/> and <paramref name="port"/> set, <see cref="SipLocator.Pending"/>
        /// while DNS is asked (try again on a later tick), or <see cref="SipLocator.Failed"/>.
        /// </summary>
        public int Locate(long now, out string address, out int port)
        {
            bool viaProxy = _config.ProxyHost != null;
            string host = Host;
            port = viaProxy ? _config.ProxyPort : (_onSecondary ? _config.SecondaryPort : _config.RegistrarPort);
            if (Locator != null)
            {
                bool portGiven = viaProxy ? _config.ProxyPortGiven : (_onSecondary ? _config.SecondaryPortGiven : _config.RegistrarPortGiven);
                int located = Locator.Locate(host, port, portGiven, now, out address, out port);
                if (located == SipLocator.Failed)
                {
                    address = null;
                }

                return located;
            }

            address = AsciiText.IsIPv4Literal(host) ? host : _resolver.Resolve(host);
            return address == null ? SipLocator.Failed : SipLocator.Found;
        }

        /// <summary>
        /// The registrar in use failed. True when the line should try the other registrar at once
        /// (a secondary is provisioned and not yet tried in this round); false when both failed and
        /// the line should back off (the next round then starts at the other one).
        /// </summary>
        public bool SwitchAfterFailure()
        {
            // With SRV records, the next attempt may pick another target of the same domain.
            if (Locator != null)
            {
                Locator.TargetFailed(_onSecondary ? _config.SecondaryHost : _config.RegistrarHost);
            }

            if (_config.SecondaryHost == null)
            {
                return false;
            }

            _onSecondary = !_onSecondary;
            _triedOther = !_triedOther;
            return _triedOther;
        }

        /// <summary>The registrar in use accepted the line: a later failure starts a new round.</summary>
        public void Succeeded()
        {
            _triedOther = false;
        }

        /// <summary>The REGISTER Request-URI: the SIP domain (the primary registrar's host), with its port unless 5060.</summary>
        public string RegistrarUri
        {
            get
            {
                return "sip:" + _config.RegistrarHost
                    + (_config.RegistrarPort == LineConfig.DefaultSipPort ? string.Empty : ":" + _config.RegistrarPort.ToString());
            }
        }

        /// <summary>The line's address-of-record, <c>sip:user@domain</c>.</summary>
        public string AddressOfRecord
        {
            get { return "sip:" + _config.Username + "@" + _config.RegistrarHost; }
        }

        /// <summary>The loose route to the outbound proxy (<c>sip:proxy;lr</c>), or null without one.</summary>
        public string ProxyRoute
        {
            get { return _config.ProxyHost == null ? null : HostUri(_config.ProxyHost, _config.ProxyPort, _config.ProxyPortGiven) + ";lr"; }
        }

        /// <summary>The URI of the next hop itself (proxy, secondary or primary registrar), which an OPTIONS probe asks.</summary>
        public string HopUri
        {
            get
            {
                if (_config.ProxyHost != null)
                {
                    return HostUri(_config.ProxyHost, _config.ProxyPort, _config.ProxyPortGiven);
                }

                return _onSecondary ? HostUri(_config.SecondaryHost, _config.SecondaryPort, _config.SecondaryPortGiven) : RegistrarUri;
            }
        }

        private static string HostUri(string host, int port, bool portGiven)
        {
            return "sip:" + ProvisioningDocument.FormatRegistrar(host, portGiven ? port : 0);
        }
    }
}
