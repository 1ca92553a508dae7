namespace Ata.Core.Provisioning
{
    /// <summary>One telephone line's SIP account, as provisioned.</summary>
    public sealed class LineConfig
    {
        /// <summary>Default registration expiry requested, in seconds.</summary>
        public const int DefaultExpires = 3600;

        /// <summary>Default SIP port.</summary>
        public const int DefaultSipPort = 5060;

        /// <summary>Creates a line account.</summary>
        public LineConfig(int line, string username, string authUsername, string password, string registrarHost, int registrarPort, int expires)
        {
            Line = line;
            Username = username;
            AuthUsername = authUsername == null || authUsername.Length == 0 ? username : authUsername;
            Password = password;
            RegistrarHost = registrarHost;
            RegistrarPort = registrarPort;
            Expires = expires;
        }

        /// <summary>Line number, 1-based (TEL1, TEL2).</summary>
        public int Line { get; private set; }
        /// <summary>SIP user (address-of-record user part).</summary>
        public string Username { get; private set; }
        /// <summary>Digest user name.</summary>
        public string AuthUsername { get; private set; }
        /// <summary>SIP password. Never logged or reported.</summary>
        public string Password { get; private set; }
        /// <summary>Registrar host name or IPv4 address; also the SIP domain.</summary>
        public string RegistrarHost { get; private set; }
        /// <summary>Registrar port.</summary>
        public int RegistrarPort { get; private set; }
        /// <summary>Requested registration expiry in seconds.</summary>
        public int Expires { get; private set; }

        /// <summary>Default UDP NAT keep-alive interval in seconds (RFC 5626 §4.4 suggests under 30 s for home routers).</summary>
        public const int DefaultKeepAliveSeconds = 25;

        /// <summary>The digest realm the account belongs to, when provisioned (needed with <see cref="Ha1"/>).</summary>
        public string Realm { get; set; }

        /// <summary>
        /// The digest HA1, <c>MD5(user:realm:password)</c>, provisioned instead of the password (then
        /// <see cref="Password"/> is null). Never logged or reported.
        /// </summary>
        public string Ha1 { get; set; }

        /// <summary>SIP over UDP (the default).</summary>
        public const string Udp = "udp";

        /// <summary>SIP over TCP.</summary>
        public const string Tcp = "tcp";

        /// <summary>The transport to the registrar: <see cref="Udp"/> or <see cref="Tcp"/>.</summary>
        public string Transport { get; set; } = Udp;

        /// <summary>True when the registrar was given with a port (then no SRV lookup, RFC 3263 §4.2).</summary>
        public bool RegistrarPortGiven { get; set; } = true;

        /// <summary>True when the secondary registrar was given with a port.</summary>
        public bool SecondaryPortGiven { get; set; } = true;

        /// <summary>Outbound proxy host every request is sent to (with a Route header), or null.</summary>
        public string ProxyHost { get; set; }

        /// <summary>Outbound proxy port.</summary>
        public int ProxyPort { get; set; }

        /// <summary>True when the outbound proxy was given with a port.</summary>
        public bool ProxyPortGiven { get; set; } = true;

        /// <summary>Secondary registrar host, or null when none is provisioned.</summary>
        public string SecondaryHost { get; set; }

        /// <summary>Secondary registrar port.</summary>
        public int SecondaryPort { get; set; }

        /// <summary>Seconds between NAT keep-alives to the registrar; 0 turns them off.</summary>
        public int KeepAliveSeconds { get; set; } = DefaultKeepAliveSeconds;

        /// <summary>
        /// Seconds between SIP OPTIONS probes that prove the registrar (or outbound proxy) alive while
        /// registered over UDP, where nothing answers the NAT keep-alive; 0 turns them off. An
        /// unanswered probe raises the registrar-unreachable fault within one and a half intervals.
        /// </summary>
        public int RegistrarProbeSeconds { get; set; } = Sip.RegistrarProbe.DefaultIntervalSeconds;

        /// <summary>Default of <see cref="NoAnswerSeconds"/>.</summary>
        public const int DefaultNoAnswerSeconds = 120;

        /// <summary>
        /// How long a call the household places may ring unanswered before the adapter gives up with
        /// the congestion tone, in seconds; 0 for no limit (the caller hangs up).
        /// </summary>
        public int NoAnswerSeconds { get; set; } = DefaultNoAnswerSeconds;

        /// <summary>
        /// Whether a second incoming call during a call is announced with the call-waiting tone and taken
        /// with a hook flash (on by default); off, it is answered 486 Busy Here.
        /// </summary>
        public bool CallWaiting { get; set; } = true;

        /// <summary>
        /// Whether the line subscribes to its message summary at the registrar and shows messages waiting (stutter
        /// dial tone, TEL LED, visual indicator); on by default. Off, it does not subscribe (ends a subscription
        /// with <c>Expires: 0</c>), and a message-summary NOTIFY is answered but lights nothing.
        /// </summary>
        public bool MessageWaiting { get; set; } = true;

        /// <summary>Base of the registration retry back-off, in seconds.</summary>
        public int RetryBaseSeconds { get; set; } = (int)(Sip.RetryBackoff.DefaultBaseMs / 1000);

        /// <summary>Cap of the registration retry back-off, in seconds.</summary>
        public int RetryMaxSeconds { get; set; } = (int)(Sip.RetryBackoff.DefaultCapMs / 1000);

        private Telephony.LineProfile _profile;

        /// <summary>How the line behaves to the household (country, dial plan, barring, flash, tones); country defaults unless provisioned.</summary>
        public Telephony.LineProfile Profile
        {
            get
            {
                if (_profile == null)
                {
                    _profile = Telephony.LineProfile.Default(Telephony.Country.Default);
                }

                return _profile;
            }

            set
            {
                _profile = value;
            }
        }

        /// <summary>True when every account field equals <paramref name="other"/>'s.</summary>
        public bool SameAccount(LineConfig other)
        {
            return other != null && other.Line == Line && other.Username == Username && other.AuthUsername == AuthUsername
                && other.Password == Password && other.RegistrarHost == RegistrarHost && other.RegistrarPort == RegistrarPort
                && other.Expires == Expires && other.SecondaryHost == SecondaryHost && other.SecondaryPort == SecondaryPort
                && other.RegistrarPortGiven == RegistrarPortGiven && other.SecondaryPortGiven == SecondaryPortGiven
                && other.Transport == Transport && other.ProxyHost == ProxyHost && other.ProxyPort == ProxyPort
                && other.ProxyPortGiven == ProxyPortGiven && other.Realm == Realm && other.Ha1 == Ha1
                && other.KeepAliveSeconds == KeepAliveSeconds && other.RegistrarProbeSeconds == RegistrarProbeSeconds
                && other.RetryBaseSeconds == RetryBaseSeconds
                && other.RetryMaxSeconds == RetryMaxSeconds;
        }

        /// <summary>
        /// Splits <c>host[:port]</c> (or <c>[v6]:port</c>). Returns an error message, or null with
        /// <paramref name="host"/> and <paramref name="port"/> set.
        /// </summary>
        public static string ParseRegistrar(string text, out string host, out int port)
        {
            bool portGiven;
            return ParseRegistrar(text, out host, out port, out portGiven);
        }

        /// <summary>As <see cref="ParseRegistrar(string, out string, out int)"/>, saying whether a port was given.</summary>
        public static string ParseRegistrar(string text, out string host, out int port, out bool portGiven)
        {
            portGiven = false;
            host = null;
            port = DefaultSipPort;
            if (text == null || text.Trim().Length == 0)
            {
                return "registrar is empty";
            }

            text = text.Trim();
            string portText = null;
            if (text[0] == '[')
            {
                int close = text.IndexOf(']');
                if (close < 0)
                {
                    return "registrar has an unclosed '['";
                }

                host = text.Substring(1, close - 1);
                if (close + 1 < text.Length)
                {
                    if (text[close + 1] != ':')
                    {
                        return "registrar has text after ']'";
                    }

                    portText = text.Substring(close + 2);
                }
            }
            else
            {
                int colon = text.IndexOf(':');
                if (colon >= 0)
                {
                    host = text.Substring(0, colon);
                    portText = text.Substring(colon + 1);
                }
                else
                {
                    host = text;
                }
            }

            if (host.Length == 0 || host.IndexOf(' ') >= 0 || host.IndexOf('/') >= 0 || host.IndexOf('@') >= 0)
            {
                return "registrar host '" + host + "' is not a host name or address";
            }

            if (portText != null)
            {
                int parsed = Text.AsciiText.ParseNonNegative(portText);
                if (parsed < 1 || parsed > 65535)
                {
                    return "registrar port '" + portText + "' is not a number from 1 to 65535";
                }

                port = parsed;
                portGiven = true;
            }

            return null;
        }
    }
}
