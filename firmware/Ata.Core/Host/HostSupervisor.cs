using System;
using System.Collections;
using System.Text;
using Ata.Core.Sip;
using Ata.Core.Sip.Auth;

namespace Ata.Core.Host
{
    /// <summary>The gateway session's states, as the console and the simulator show them.</summary>
    public static class GatewayState
    {
        /// <summary>No gateway: the adapter runs standalone, or is not set up yet.</summary>
        public const string NotConfigured = "not-configured";
        /// <summary>Waiting for the WAN or for the next attempt.</summary>
        public const string Waiting = "waiting";
        /// <summary>The host is connecting.</summary>
        public const string Connecting = "connecting";
        /// <summary>A session is up.</summary>
        public const string Connected = "connected";
        /// <summary>The host is letting the session's messages out and saying goodbye.</summary>
        public const string Leaving = "leaving";
    }

    /// <summary>
    /// Decides what the host does about the adapter's life: when to connect to the gateway's broker
    /// (after a power-on delay of its own, spread over a few seconds by its device id, so a fleet
    /// powered on together by a mains return does not arrive together; then jittered exponential
    /// back-off, never a fixed interval, so a fleet that lost its broker together does not return in
    /// lock-step), when to write the provisioning and a rotated device
    /// secret to flash, when to reconnect with that secret, and when to reboot (once the reports are
    /// flushed and, unless forced, no line is in use). A pure state machine: the adapter feeds it the
    /// host's reports and the time, and the host takes its <see cref="HostRequest"/>s with
    /// <see cref="Next"/>.
    /// </summary>
    public sealed class HostSupervisor
    {
        /// <summary>What the console says while the broker refuses the adapter's login (a wrong device secret).</summary>
        public const string LoginRefusedProblem = "login refused, check the device secret";

        /// <summary>
        /// Over how long the first connections after boot are spread, in ms (the default of
        /// <see cref="GatewayAccess.PowerOnSpreadMs"/>): a broker takes some thousands of TLS handshakes
        /// a second, not a whole street's at once.
        /// </summary>
        public const long PowerOnSpreadMs = 8000;

        /// <summary>Base of the connection back-off in ms: the first retry comes after 1–2 s.</summary>
        public const long ConnectBaseMs = 2000;

        /// <summary>Cap of the connection back-off in ms.</summary>
        public const long ConnectCapMs = 300000;

        /// <summary>A connection attempt the host has not reported on after this long counts as failed.</summary>
        public const long ConnectTimeoutMs = 30000;

        /// <summary>How long a reboot waits for the broker to acknowledge the queued reports.</summary>
        public const long FlushWaitMs = 5000;

        /// <summary>How long a goodbye may take before the adapter goes on without it.</summary>
        public const long LeaveTimeoutMs = 5000;

        private readonly GatewayAccess _access;
        private readonly string _notSetUp;
        private readonly Random _random;
        private readonly ArrayList _requests = new ArrayList();
        private string _state;
        private long _stateSince;
        private long _nextConnectAt;
        private long _powerOnReadyAt;
        private int _failures;
        private bool _wanOnline;
        private int _storesInFlight;
        private string _secretBeingStored;
        private bool _reconnectAfterLeave;
        private string _rebootReason;
        private bool _rebootForced;
        private long _rebootReadyAt = -1;
        private bool _rebooting;
        private bool _erase;

        /// <summary>Creates the supervisor at boot.</summary>
        /// <param name="access">Where the gateway's broker is, or null when the adapter runs without a gateway.</param>
        /// <param name="notSetUp">What settings are missing (the adapter is in setup mode), or null.</param>
        /// <param name="random">Randomness for the back-off's jitter.</param>
        /// <param name="now">Boot time in milliseconds.</param>
        public HostSupervisor(GatewayAccess access, string notSetUp, Random random, long now)
        {
            _access = notSetUp == null ? access : null;
            _notSetUp = notSetUp;
            _random = random;
            _state = _access == null ? GatewayState.NotConfigured : GatewayState.Waiting;
            _stateSince = now;
            _nextConnectAt = _access == null ? now : now + PowerOnDelayMs(_access.DeviceId, _access.PowerOnSpreadMs);
            _powerOnReadyAt = _nextConnectAt;
        }

        /// <summary>
        /// How long after boot the adapter <paramref name="deviceId"/> first connects: a share of
        /// <paramref name="spreadMs"/> that its id decides (the first bytes of its SHA-256), the same on
        /// every boot and evenly spread over a fleet, whose ids are often consecutive. Not random: a
        /// board's random generator may start the same on every board after a power cut.
        /// </summary>
        /// <param name="deviceId">The device id.</param>
        /// <param name="spreadMs">The spread; 0 or less connects at once.</param>
        public static long PowerOnDelayMs(string deviceId, long spreadMs)
        {
            if (spreadMs <= 0 || deviceId == null)
            {
                return 0;
            }

            byte[] hash = Sha256.Hash(Encoding.UTF8.GetBytes(deviceId));
            uint share = ((uint)hash[0] << 24) | ((uint)hash[1] << 16) | ((uint)hash[2] << 8) | hash[3];
            return (long)(share % (ulong)spreadMs);
        }

        /// <summary>See <see cref="Host.GatewayState"/>.</summary>
        public string State
        {
            get { return _state; }
        }

        /// <summary>Since when the state holds.</summary>
        public long StateSince
        {
            get { return _stateSince; }
        }

        /// <summary>The settings still missing (setup mode), or null when the adapter is set up.</summary>
        public string NotSetUp
        {
            get { return _notSetUp; }
        }

        /// <summary>True while the broker's last answer was a refused login (a wrong device secret).</summary>
        public bool LoginRefused { get; private set; }

        /// <summary>Why the last connection attempt failed, in words, or null.</summary>
        public string Problem { get; private set; }

        /// <summary>Failed connection attempts in a row.</summary>
        public int ConnectFailures
        {
            get { return _failures; }
        }

        /// <summary>When the next connection attempt is due (meaningful while <see cref="GatewayState.Waiting"/>).</summary>
        public long NextConnectAt
        {
            get { return _nextConnectAt; }
        }

        /// <summary>True while the host is writing the provisioning or a secret to flash.</summary>
        public bool WritingFlash
        {
            get { return _storesInFlight > 0; }
        }

        /// <summary>True once a reboot was asked for and has not happened yet.</summary>
        public bool RebootPending
        {
            get { return _rebootReason != null && !_rebooting; }
        }

        /// <summary>The next request for the host, or null when there is none.</summary>
        public HostRequest Next()
        {
            if (_requests.Count == 0)
            {
                return null;
            }

            HostRequest request = (HostRequest)_requests[0];
            _requests.RemoveAt(0);
            return request;
        }

        /// <summary>Advances the supervisor.</summary>
        /// <param name="wanOnline">Whether the WAN has an address.</param>
        /// <param name="linesIdle">Whether every line is on hook and out of any call.</param>
        /// <param name="emergency">Whether an emergency call is in progress: nothing, not even a forced reboot, interrupts it.</param>
        /// <param name="reportsFlushed">Whether the broker acknowledged every queued report.</param>
        /// <param name="now">The time in milliseconds.</param>
        public void Tick(bool wanOnline, bool linesIdle, bool emergency, bool reportsFlushed, long now)
        {
            if (wanOnline && !_wanOnline && _state == GatewayState.Waiting)
            {
                // The WAN is back: try soon, spread a little so a street's adapters do not arrive together,
                // and never before the power-on delay is over.
                _failures = 0;
                long soon = now + _random.Next((int)(ConnectBaseMs / 2));
                if (soon < _powerOnReadyAt)
                {
                    soon = _powerOnReadyAt;
                }

                if (soon < _nextConnectAt)
                {
                    _nextConnectAt = soon;
                }
            }

            _wanOnline = wanOnline;
            if (_rebooting)
            {
                return;
            }

            if (_rebootReason != null && (_rebootForced || linesIdle) && !emergency && _storesInFlight == 0)
            {
                TickReboot(reportsFlushed, now);
                return;
            }

            if (_state == GatewayState.Connecting && now - _stateSince >= ConnectTimeoutMs)
            {
                ConnectFailed(false, "no answer from the gateway's broker", now);
            }
            else if (_state == GatewayState.Leaving && now - _stateSince >= LeaveTimeoutMs)
            {
                Disconnected(now);
            }

            if (_state == GatewayState.Waiting && wanOnline && now >= _nextConnectAt)
            {
                Enter(GatewayState.Connecting, now);
                _requests.Add(HostRequest.Connect(_access.Host, _access.Port, _access.DeviceId, _access.Secret));
            }
        }

        /// <summary>The host's session is up.</summary>
        public void Connected(long now)
        {
            _failures = 0;
            LoginRefused = false;
            Problem = null;
            Enter(GatewayState.Connected, now);
        }

        /// <summary>The host's attempt failed; <paramref name="refused"/> when the broker refused the login.</summary>
        public void ConnectFailed(bool refused, string detail, long now)
        {
            if (_state == GatewayState.NotConfigured)
            {
                return;
            }

            _failures++;
            LoginRefused = refused;
            Problem = refused ? LoginRefusedProblem : detail;
            _nextConnectAt = now + RetryBackoff.DelayMs(_failures, _random.NextDouble(), ConnectBaseMs, ConnectCapMs);
            Enter(GatewayState.Waiting, now);
        }

        /// <summary>The host's session dropped without being asked to.</summary>
        public void ConnectionLost(long now)
        {
            if (_state != GatewayState.Connected && _state != GatewayState.Connecting)
            {
                return;
            }

            _failures = 0;
            _nextConnectAt = now + RetryBackoff.DelayMs(1, _random.NextDouble(), ConnectBaseMs, ConnectCapMs);
            Enter(GatewayState.Waiting, now);
        }

        /// <summary>The goodbye asked for with <see cref="HostRequestKind.Disconnect"/> is done.</summary>
        public void Disconnected(long now)
        {
            if (_state != GatewayState.Leaving)
            {
                return;
            }

            Enter(GatewayState.Waiting, now);
            if (_rebootReason != null)
            {
                Reboot();
                return;
            }

            if (_reconnectAfterLeave)
            {
                // A rotated secret: connect again at once with it.
                _reconnectAfterLeave = false;
                _failures = 0;
                _nextConnectAt = now;
            }
        }

        /// <summary>The provisioning changed: the host writes it to flash.</summary>
        public void StoreConfig(string json)
        {
            _storesInFlight++;
            _requests.Add(HostRequest.StoreConfig(json));
        }

        /// <summary>The gateway rotated the device secret: store it, then reconnect with it.</summary>
        public void RotateSecret(string secret)
        {
            if (_access == null || secret == _access.Secret || secret == _secretBeingStored)
            {
                return;
            }

            _storesInFlight++;
            _secretBeingStored = secret;
            _requests.Add(HostRequest.StoreSecret(secret));
        }

        /// <summary>The host finished a store request of <paramref name="kind"/> (<paramref name="ok"/> when it was written).</summary>
        public void Stored(string kind, bool ok, long now)
        {
            if (_storesInFlight > 0)
            {
                _storesInFlight--;
            }

            if (kind != HostRequestKind.StoreSecret || _secretBeingStored == null)
            {
                return;
            }

            string secret = _secretBeingStored;
            _secretBeingStored = null;
            if (!ok)
            {
                return;
            }

            _access.Secret = secret;
            if (_state == GatewayState.Connected)
            {
                _reconnectAfterLeave = true;
                Leave("device secret rotated", now);
            }
            else if (_state == GatewayState.Waiting)
            {
                _failures = 0;
                _nextConnectAt = now;
            }
        }

        /// <summary>
        /// A reboot was asked for: it happens once the reports are flushed and, unless
        /// <paramref name="force"/>, once no line is in use.
        /// </summary>
        public void RequestReboot(string reason, bool force, long now)
        {
            if (_rebooting)
            {
                return;
            }

            _rebootReason = reason;
            _rebootForced = _rebootForced || force;
        }

        /// <summary>
        /// A factory reset was asked for: a forced reboot (after the reports, the answer to the command
        /// included, are flushed) whose host erases everything stored before it restarts.
        /// </summary>
        public void RequestFactoryReset(string reason, long now)
        {
            if (!_rebooting)
            {
                _erase = true;
                RequestReboot(reason, true, now);
            }
        }

        private void TickReboot(bool reportsFlushed, long now)
        {
            if (_state == GatewayState.Leaving)
            {
                if (now - _stateSince >= LeaveTimeoutMs)
                {
                    Disconnected(now);
                }

                return;
            }

            if (_state != GatewayState.Connected)
            {
                Reboot();
                return;
            }

            if (_rebootReadyAt < 0)
            {
                _rebootReadyAt = now;
            }

            if (reportsFlushed || now - _rebootReadyAt >= FlushWaitMs)
            {
                Leave("reboot", now);
            }
        }

        private void Leave(string reason, long now)
        {
            Enter(GatewayState.Leaving, now);
            _requests.Add(HostRequest.Disconnect(reason));
        }

        private void Reboot()
        {
            _rebooting = true;
            _requests.Add(_erase ? HostRequest.FactoryReset(_rebootReason) : HostRequest.Reboot(_rebootReason));
        }

        private void Enter(string state, long now)
        {
            _state = state;
            _stateSince = now;
        }
    }
}
