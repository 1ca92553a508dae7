using System;
using System.Collections;
using Ata.Core.Dns;
using Ata.Core.Faults;
using Ata.Core.Hardware;
using Ata.Core.Provisioning;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Sip
{
    /// <summary>
    /// The adapter's SIP user agent: one <see cref="Registration"/> per provisioned line (and the
    /// bindings of removed accounts until they are taken down), the SIP socket, TCP flows and the
    /// DNS client, with every datagram routed to what it belongs to. A registration's failure is
    /// raised on the <see cref="FaultBoard"/> for its line and cleared when it recovers; a line
    /// failing only because the network is down raises nothing of its own (the adapter-wide
    /// <see cref="FaultCode.NetworkDown"/> says it for every line).
    /// </summary>
    public sealed partial class UserAgent
    {
        private readonly int _lineCount;
        private readonly IDatagramSocket _socket;
        private readonly INameResolver _resolver;
        private readonly Random _random;
        private readonly string _instanceId;
        private readonly FaultBoard _faults;
        private readonly IRegistrationObserver _observer;
        private readonly Registration[] _registrations;
        private readonly string[] _shownState;
        private readonly int[] _shownCode;
        private readonly string[] _shownFault;
        private readonly string[] _raisedFault;
        private readonly ArrayList _retiring = new ArrayList();
        private readonly Hashtable _framers = new Hashtable();
        private DnsClient _dns;
        private SipLocator _locator;
        private IStreamTransport _stream;
        private long _parseErrors;

        /// <summary>Creates the user agent of an adapter with <paramref name="lineCount"/> lines.</summary>
        /// <param name="lineCount">Lines on the board.</param>
        /// <param name="socket">The SIP socket.</param>
        /// <param name="resolver">Host name resolution (A records), used until <see cref="UseDnsServer"/>.</param>
        /// <param name="random">Randomness for tags, nonces and jitter.</param>
        /// <param name="instanceId">The adapter's stable <c>+sip.instance</c> URN.</param>
        /// <param name="faults">Where registration faults are raised and cleared.</param>
        /// <param name="observer">Hears every registration change.</param>
        public UserAgent(int lineCount, IDatagramSocket socket, INameResolver resolver, Random random, string instanceId,
            FaultBoard faults, IRegistrationObserver observer)
        {
            _lineCount = lineCount;
            _socket = socket;
            _resolver = resolver;
            _random = random;
            _instanceId = instanceId;
            _faults = faults;
            _observer = observer;
            _registrations = new Registration[lineCount];
            _shownState = new string[lineCount];
            _shownCode = new int[lineCount];
            _shownFault = new string[lineCount];
            _raisedFault = new string[lineCount];
            for (int i = 0; i < lineCount; i++)
            {
                _registrations[i] = null;
                _shownState[i] = RegistrationState.Unprovisioned;
                _shownFault[i] = null;
                _raisedFault[i] = null;
            }

            Name = "Ata";
        }

        /// <summary>The SIP User-Agent header value.</summary>
        public string Name { get; set; }

        /// <summary>Where requests and the responses no registration owns go (the lines' calls), or null.</summary>
        public ICallHandler Calls { get; set; }

        /// <summary>Datagrams on the SIP socket that were neither SIP nor DNS, or could not be parsed.</summary>
        public long ParseErrors
        {
            get { return _parseErrors; }
        }

        /// <summary>True while bindings of removed accounts are still being taken down.</summary>
        public bool IsUnregistering
        {
            get { return _retiring.Count > 0; }
        }

        /// <summary>The registration of line <paramref name="line"/> (1-based), or null when it has no account.</summary>
        public Registration Registration(int line)
        {
            return _registrations[line - 1];
        }

        /// <summary>The registration state name of a line.</summary>
        public string StateOf(int line)
        {
            Registration r = _registrations[line - 1];
            return r == null ? RegistrationState.Unprovisioned : r.State;
        }

        /// <summary>Answers <paramref name="request"/> (on TCP <paramref name="connection"/>, or 0) with <paramref name="code"/> outside any call (a NOTIFY the adapter took).</summary>
        public void Reply(SipRequest request, int connection, int code, string reason)
        {
            Dialogs.StatelessReply.Respond(request, connection, _socket, _stream, Name, code, reason);
        }

        /// <summary>Whether line <paramref name="line"/> is registered.</summary>
        public bool IsRegistered(int line)
        {
            return StateOf(line) == RegistrationState.Registered;
        }

        /// <summary>Whether any line is registered (a registrar answers).</summary>
        public bool AnyRegistered
        {
            get
            {
                for (int i = 1; i <= _lineCount; i++)
                {
                    if (IsRegistered(i))
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        /// <summary>
        /// Finds registrars with the core's own DNS client (SRV, then A) through the DNS server at
        /// <paramref name="server"/>:<paramref name="port"/>, instead of the host's A-only resolver.
        /// </summary>
        public void UseDnsServer(string server, int port)
        {
            _dns = new DnsClient(_socket, server, port, _random);
            _locator = new SipLocator(_dns, _random);
            for (int i = 0; i < _lineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    _registrations[i].Locator = _locator;
                }
            }
        }

        /// <summary>Gives lines provisioned for SIP over TCP their connections.</summary>
        public void UseStreamTransport(IStreamTransport stream)
        {
            _stream = stream;
            for (int i = 0; i < _lineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    _registrations[i].Stream = stream;
                }
            }
        }

        /// <summary>
        /// Takes the accounts of <paramref name="doc"/> (replacing <paramref name="previous"/>, or null):
        /// a line whose account changed unregisters the old binding and registers the new one.
        /// </summary>
        public void Apply(ProvisioningDocument previous, ProvisioningDocument doc, bool networkUp, long now)
        {
            for (int i = 0; i < _lineCount; i++)
            {
                LineConfig line = doc.Line(i + 1);
                LineConfig before = previous == null ? null : previous.Line(i + 1);
                Registration current = _registrations[i];
                if (line != null && line.SameAccount(before) && current != null)
                {
                    // A new version for the same account: a line that stopped trying (refused
                    // credentials or account) tries again now rather than waiting for a change.
                    bool newVersion = previous == null || previous.Version != doc.Version;
                    if (newVersion && current.State == RegistrationState.Failed && current.NextAttemptAt < 0 && networkUp)
                    {
                        current.NetworkUp(now);
                    }

                    continue;
                }

                _registrations[i] = null;
                if (current != null)
                {
                    Retire(current, now);
                }

                if (line != null)
                {
                    Registration registration = new Registration(line, _socket, _resolver, _random, Name, _instanceId);
                    registration.Locator = _locator;
                    registration.Stream = _stream;
                    _registrations[i] = registration;
                    if (networkUp)
                    {
                        registration.Start(now);
                    }
                    else
                    {
                        registration.NetworkDown(now);
                    }
                }
            }

            Sync(now);
        }

        /// <summary>What calls on line <paramref name="line"/> need (its account, the transport, where to send), or null without an account.</summary>
        public Dialogs.CallSetup CallSetupFor(int line)
        {
            Registration registration = _registrations[line - 1];
            if (registration == null)
            {
                return null;
            }

            Dialogs.CallSetup setup = new Dialogs.CallSetup();
            setup.Config = registration.Config;
            setup.Socket = _socket;
            setup.Stream = _stream;
            setup.Registrars = new RegistrarFailover(registration.Config, _resolver);
            setup.Registrars.Locator = _locator;
            setup.Random = _random;
            setup.UserAgent = Name;
            setup.RegistrationFlow = registration.Flow;
            return setup;
        }

        /// <summary>Removes every line's binding at the registrar (<c>Expires: 0</c>), as a factory reset does.</summary>
        public void UnregisterAll(long now)
        {
            for (int i = 0; i < _lineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    Retire(_registrations[i], now);
                    _registrations[i] = null;
                }
            }

            Sync(now);
        }

        /// <summary>The network went away: every line stops trying.</summary>
        public void NetworkDown(long now)
        {
            for (int i = 0; i < _lineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    _registrations[i].NetworkDown(now);
                }
            }

            Sync(now);
        }

        /// <summary>The network is back or the address changed: every line registers again soon.</summary>
        public void NetworkUp(long now)
        {
            for (int i = 0; i < _lineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    _registrations[i].NetworkUp(now);
                }
            }

            Sync(now);
        }

        /// <summary>Advances every timer: registrations, removals, DNS.</summary>
        public void Tick(long now)
        {
            for (int i = 0; i < _lineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    _registrations[i].Tick(now);
                }
            }

            for (int i = 0; i < _retiring.Count; i++)
            {
                ((Registration)_retiring[i]).Tick(now);
            }

            if (_dns != null)
            {
                _dns.Tick(now);
            }

            Sync(now);
        }

        private void Retire(Registration registration, long now)
        {
            registration.Unregister(now);
            if (!registration.IsFinished)
            {
                _retiring.Add(registration);
            }
        }

        /// <summary>Drops finished removals and tells the board and the observer what changed.</summary>
        private void Sync(long now)
        {
            for (int i = _retiring.Count - 1; i >= 0; i--)
            {
                if (((Registration)_retiring[i]).IsFinished)
                {
                    _retiring.RemoveAt(i);
                }
            }

            for (int i = 0; i < _lineCount; i++)
            {
                Registration r = _registrations[i];
                string state = r == null ? RegistrationState.Unprovisioned : r.State;
                int code = r == null ? 0 : r.LastSipCode;
                string fault = r == null ? null : r.Fault;
                string lineFault = fault == FaultCode.NetworkDown ? null : fault;
                if (lineFault != _raisedFault[i])
                {
                    if (_raisedFault[i] != null)
                    {
                        _faults.Clear(_raisedFault[i], i + 1, now);
                    }

                    _raisedFault[i] = lineFault;
                    if (lineFault != null)
                    {
                        _faults.Raise(lineFault, i + 1, code, r.FaultDetail, now);
                    }
                }

                if (state != _shownState[i] || code != _shownCode[i] || fault != _shownFault[i])
                {
                    _shownState[i] = state;
                    _shownCode[i] = code;
                    _shownFault[i] = fault;
                    _observer.RegistrationChanged(i + 1, state, code, fault, now);
                }
            }
        }
    }
}
