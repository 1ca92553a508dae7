namespace Ata.Core.Contract
{
    /// <summary>
    /// The MQTT contract between adapter and gateway: topic names under <c>ata/{deviceId}/</c>,
    /// their QoS and retain flags. Defined once here; the gateway references it.
    /// </summary>
    public static class MqttTopics
    {
        /// <summary>The topic root every adapter topic starts with.</summary>
        public const string Root = "ata/";

        /// <summary>Retained <c>online</c>/<c>offline</c>; <c>offline</c> is the Last Will. QoS 1.</summary>
        public const string Status = "status";

        /// <summary>Boot report: firmware, hardware, reset reason, MAC. QoS 1.</summary>
        public const string Hello = "hello";

        /// <summary>Periodic health report. QoS 0.</summary>
        public const string Health = "health";

        /// <summary>A fault raised or cleared. QoS 1.</summary>
        public const string Fault = "fault";

        /// <summary>
        /// The provisioning document, gateway to device. QoS 1, never retained (it carries secrets, so
        /// the broker must not store it): the gateway sends it when it changes and on each connection.
        /// </summary>
        public const string Config = "config";

        /// <summary>The config version applied, or why it was refused. QoS 1.</summary>
        public const string ConfigAck = "config/ack";

        /// <summary>A command to the device. QoS 1.</summary>
        public const string Command = "cmd";

        /// <summary>A command's result. QoS 1.</summary>
        public const string CommandResult = "cmd/result";

        /// <summary>A service code dialled from a handset and accepted (e.g. <c>#21#</c>, cancel forwarding), for the gateway to carry out. QoS 1.</summary>
        public const string Service = "service";

        /// <summary>A finished call's record: outcome, codec, loss, jitter, MOS (numbers masked). QoS 1.</summary>
        public const string Call = "call";

        /// <summary>
        /// Every leaf a device publishes (device → gateway). The broker lets a device publish on
        /// these of its own topics and on nothing else.
        /// </summary>
        public static readonly string[] DeviceToGateway = { Status, Hello, Health, Fault, ConfigAck, CommandResult, Service, Call };

        /// <summary>
        /// Every leaf the gateway publishes to a device (gateway → device). The broker lets a device
        /// receive these of its own topics and nothing else.
        /// </summary>
        public static readonly string[] GatewayToDevice = { Config, Command };

        /// <summary>The payload of <see cref="Status"/> while the adapter is connected.</summary>
        public const string Online = "online";

        /// <summary>The payload of <see cref="Status"/> after a clean disconnect, and the Last Will.</summary>
        public const string Offline = "offline";

        /// <summary>QoS used for everything but health.</summary>
        public const int ReliableQos = 1;

        /// <summary>QoS of the periodic health report.</summary>
        public const int HealthQos = 0;

        /// <summary>The full topic <c>ata/{deviceId}/{leaf}</c>.</summary>
        public static string For(string deviceId, string leaf)
        {
            return Root + deviceId + "/" + leaf;
        }

        /// <summary>The filter matching every adapter's <paramref name="leaf"/>: <c>ata/+/{leaf}</c>.</summary>
        public static string AllDevices(string leaf)
        {
            return Root + "+/" + leaf;
        }

        /// <summary>The filter for everything of one adapter: <c>ata/{deviceId}/#</c>.</summary>
        public static string DeviceSubtree(string deviceId)
        {
            return Root + deviceId + "/#";
        }

        /// <summary>
        /// Splits <c>ata/{deviceId}/{leaf}</c>. Returns false for any topic outside the contract's shape.
        /// </summary>
        public static bool TryParse(string topic, out string deviceId, out string leaf)
        {
            deviceId = null;
            leaf = null;
            if (topic == null || !topic.StartsWith(Root))
            {
                return false;
            }

            int slash = topic.IndexOf('/', Root.Length);
            if (slash <= Root.Length || slash == topic.Length - 1)
            {
                return false;
            }

            deviceId = topic.Substring(Root.Length, slash - Root.Length);
            leaf = topic.Substring(slash + 1);
            return true;
        }

        /// <summary>
        /// True when <paramref name="deviceId"/> is usable as a topic level and a broker user name:
        /// 1 to 64 characters of letters, digits, '-', '_' and '.'.
        /// </summary>
        public static bool IsValidDeviceId(string deviceId)
        {
            if (deviceId == null || deviceId.Length == 0 || deviceId.Length > 64)
            {
                return false;
            }

            for (int i = 0; i < deviceId.Length; i++)
            {
                char c = deviceId[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
                if (!ok)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>What a service code dialled from a handset asks for: the <see cref="Fields.Action"/> of a <see cref="MqttTopics.Service"/> report.</summary>
    public static class ServiceActions
    {
        /// <summary><c>#21#</c>: cancel call forwarding.</summary>
        public const string CancelCallForwarding = "cancel-call-forwarding";

        /// <summary>The anonymous-calling prefix (e.g. <c>#31#</c>, <c>*67</c>): a call placed with the caller's identity withheld.</summary>
        public const string AnonymousCall = "anonymous-call";

        /// <summary>The call-return code (e.g. <c>*69</c>): the last caller called back.</summary>
        public const string CallReturn = "call-return";
    }

    /// <summary>JSON field names of the contract's payloads, shared by adapter and gateway.</summary>
    public static class Fields
    {
        /// <summary>Adapter id.</summary>
        public const string DeviceId = "deviceId";
        /// <summary>Config version (integer).</summary>
        public const string Version = "version";
        /// <summary>Array of per-line objects.</summary>
        public const string Lines = "lines";
        /// <summary>Line number, 1-based.</summary>
        public const string Line = "line";
        /// <summary>SIP user name (also the digest user name unless <see cref="AuthUsername"/> is given).</summary>
        public const string Username = "username";
        /// <summary>Digest user name when it differs from the SIP user.</summary>
        public const string AuthUsername = "authUsername";
        /// <summary>SIP password.</summary>
        public const string Password = "password";
        /// <summary>Registrar as <c>host[:port]</c>.</summary>
        public const string Registrar = "registrar";
        /// <summary>Requested registration expiry in seconds.</summary>
        public const string Expires = "expires";
        /// <summary>Whether a config was applied (config/ack).</summary>
        public const string Applied = "applied";
        /// <summary>Why a config was refused (config/ack).</summary>
        public const string Reason = "reason";
        /// <summary>Firmware version (hello, health).</summary>
        public const string Firmware = "firmware";
        /// <summary>Hardware revision (hello).</summary>
        public const string Hardware = "hardware";
        /// <summary>Why the adapter last reset (hello).</summary>
        public const string ResetReason = "resetReason";
        /// <summary>MAC address (hello).</summary>
        public const string Mac = "mac";
        /// <summary>Milliseconds since boot.</summary>
        public const string UptimeMs = "uptimeMs";
        /// <summary>Wi-Fi signal in dBm (0 on Ethernet).</summary>
        public const string Rssi = "rssi";
        /// <summary>Free heap in bytes.</summary>
        public const string FreeHeap = "freeHeap";
        /// <summary>WAN state: see <see cref="Ata.Core.Health.WanState"/>.</summary>
        public const string Wan = "wan";
        /// <summary>WAN address.</summary>
        public const string WanAddress = "wanAddress";
        /// <summary>Registration state of a line: see <see cref="Ata.Core.Sip.RegistrationState"/>.</summary>
        public const string Registration = "registration";
        /// <summary>Last SIP status code seen for a line (0 when none yet).</summary>
        public const string SipCode = "sipCode";
        /// <summary>Line (hook) state.</summary>
        public const string LineState = "lineState";
        /// <summary>Object of LED name to pattern name.</summary>
        public const string Leds = "leds";
        /// <summary>Config version the adapter runs (health).</summary>
        public const string ConfigVersion = "configVersion";
        /// <summary>Per-device fault sequence number.</summary>
        public const string Sequence = "seq";
        /// <summary>Fault code: see <see cref="Ata.Core.Faults.FaultCode"/>.</summary>
        public const string Code = "code";
        /// <summary><c>raised</c> or <c>cleared</c>.</summary>
        public const string State = "state";
        /// <summary>Human-readable context.</summary>
        public const string Detail = "detail";
        /// <summary>Command id (cmd, cmd/result).</summary>
        public const string Id = "id";
        /// <summary>Command name (cmd).</summary>
        public const string Command = "command";
        /// <summary>Whether a command succeeded (cmd/result).</summary>
        public const string Ok = "ok";
        /// <summary>Fallback registrar as <c>host[:port]</c> (config line), used when the primary does not answer.</summary>
        public const string SecondaryRegistrar = "secondaryRegistrar";
        /// <summary>Outbound proxy as <c>host[:port]</c> (config line): every request goes there first.</summary>
        public const string OutboundProxy = "outboundProxy";
        /// <summary>SIP transport (config line): <c>udp</c>, <c>tcp</c> or <c>tls</c>.</summary>
        public const string Transport = "transport";
        /// <summary>Digest realm (config line), when the operator knows it in advance.</summary>
        public const string Realm = "realm";
        /// <summary>Digest HA1, <c>MD5(user:realm:password)</c> as lowercase hex, sent instead of <see cref="Password"/> (config line).</summary>
        public const string Ha1 = "ha1";
        /// <summary>Tone plan as an ISO 3166 country code, e.g. <c>DE</c> (config line), when the tones differ from <see cref="Country"/>'s.</summary>
        public const string TonePlan = "tonePlan";
        /// <summary>Dial plan pattern (config line).</summary>
        public const string DialPlan = "dialPlan";
        /// <summary>Array of barred call classes, e.g. <c>international</c>, <c>premium</c> (config line).</summary>
        public const string Barring = "barring";
        /// <summary>NAT keep-alive interval in seconds, 0 for none (config line).</summary>
        public const string KeepAliveSeconds = "keepAliveSeconds";
        /// <summary>
        /// Seconds between SIP OPTIONS probes of the registrar (or outbound proxy) on a UDP line while
        /// registered, 0 for none (config line); an unanswered probe raises the registrar-unreachable fault.
        /// </summary>
        public const string RegistrarProbeSeconds = "registrarProbeSeconds";
        /// <summary>How long a call the household places may ring unanswered, in seconds, 0 for no limit (config line); default 120.</summary>
        public const string NoAnswerSeconds = "noAnswerSeconds";
        /// <summary>Call waiting on the line, true or false (config line); default true.</summary>
        public const string CallWaiting = "callWaiting";
        /// <summary>The voicemail light on the line, true or false (config line): the message-summary subscription and what a NOTIFY shows; default true.</summary>
        public const string MessageWaiting = "messageWaiting";
        /// <summary>A line's voicemail light now (health): see <see cref="Ata.Core.Voicemail.VoicemailState"/> (<c>waiting</c>, <c>none</c>, <c>off</c>).</summary>
        public const string Voicemail = "voicemail";
        /// <summary>
        /// The line's calls now (health), an array, empty when idle: the call in the foreground first, then one held or
        /// waiting; each an object with <see cref="State"/> (see <see cref="Ata.Core.Calls.CallState"/>: e.g. <c>connected</c>,
        /// <c>held</c>, <c>waiting</c>), <see cref="Direction"/>, <see cref="FarEnd"/>, <see cref="Emergency"/>, <see cref="Codec"/>
        /// and, once answered, its quality (<see cref="LossPercent"/>, <see cref="JitterMs"/>, <see cref="RoundTripMs"/>, <see cref="Mos"/>).
        /// </summary>
        public const string Calls = "calls";
        /// <summary>Call direction: <c>outgoing</c> or <c>incoming</c>.</summary>
        public const string Direction = "direction";
        /// <summary>The far end's number, masked to its last 3 digits.</summary>
        public const string FarEnd = "farEnd";
        /// <summary>The codec agreed: <c>PCMA</c> or <c>PCMU</c>.</summary>
        public const string Codec = "codec";
        /// <summary>True for an emergency call.</summary>
        public const string Emergency = "emergency";
        /// <summary>Packets lost of those expected from the far end, in percent (RFC 3550 A.3).</summary>
        public const string LossPercent = "lossPercent";
        /// <summary>Interarrival jitter in ms (RFC 3550 A.8).</summary>
        public const string JitterMs = "jitterMs";
        /// <summary>Round trip in ms from RTCP, 0 before the far end's first report.</summary>
        public const string RoundTripMs = "roundTripMs";
        /// <summary>The estimated mean opinion score (ITU-T G.107 E-model for G.711).</summary>
        public const string Mos = "mos";
        /// <summary>First registration retry delay in seconds (config line).</summary>
        public const string RetryBaseSeconds = "retryBaseSeconds";
        /// <summary>Longest registration retry delay in seconds (config line).</summary>
        public const string RetryMaxSeconds = "retryMaxSeconds";
        /// <summary>A new device secret for the broker (config), sent while the gateway rotates it.</summary>
        public const string DeviceSecret = "deviceSecret";
        /// <summary>The line's country, ISO 3166 (config line): numbering, emergency numbers, ring cadence, flash window; default <c>NO</c>.</summary>
        public const string Country = "country";
        /// <summary>The end of the hook-flash window in ms (config line), 100 to 2000; default national.</summary>
        public const string FlashMs = "flashMs";
        /// <summary>The short inter-digit timer in ms (config line), 500 to 10000: how long a number that matches but could grow waits before it is sent; default 3000.</summary>
        public const string ShortTimerMs = "shortTimerMs";
        /// <summary>The long inter-digit timer in ms (config line), 2000 to 60000, not shorter than the short one: how long the line waits for a needed digit before reorder; default 10000.</summary>
        public const string LongTimerMs = "longTimerMs";
        /// <summary>Tone overrides (config line): object of tone name to tone text, e.g. <c>{"busy":"425:500 0:500"}</c>.</summary>
        public const string Tones = "tones";
        /// <summary>A service code dialled on a line (service report), e.g. <c>#21#</c>.</summary>
        public const string ServiceCode = "serviceCode";
        /// <summary>What a service code asks for (service report), e.g. <c>cancel-call-forwarding</c>.</summary>
        public const string Action = "action";
        /// <summary>This boot's id (hello, fault): a fault's <see cref="Sequence"/> counts from 1 in each boot.</summary>
        public const string Boot = "boot";
        /// <summary>How long ago a fault change happened when it was published, in ms (fault): the gateway dates it by this.</summary>
        public const string AgeMs = "ageMs";
        /// <summary>Array of the open faults (a fault <see cref="Faults.FaultCode.Snapshot"/>), each with code, line, sipCode, detail, ageMs.</summary>
        public const string Active = "active";
        /// <summary>Reports the adapter dropped, oldest first, while its queue for an unreachable gateway was full (health, snapshot).</summary>
        public const string ReportsDropped = "reportsDropped";
        /// <summary>Reports waiting for the gateway (health).</summary>
        public const string ReportsQueued = "reportsQueued";
        /// <summary>SIP datagrams that could not be parsed (health).</summary>
        public const string SipParseErrors = "sipParseErrors";
        /// <summary>Whether a command may interrupt a call (cmd), e.g. a reboot that does not wait for idle lines.</summary>
        public const string Force = "force";
        /// <summary>How a finished call ended (call record): see <see cref="Ata.Core.Calls.CallOutcome"/>.</summary>
        public const string Outcome = "outcome";
        /// <summary>Who ended a call (call record): see <see cref="Ata.Core.Calls.CallEnder"/>.</summary>
        public const string EndedBy = "endedBy";
        /// <summary>Milliseconds from a call's start (INVITE sent or received) to its end (call record); the gateway dates the start by it.</summary>
        public const string TotalMs = "totalMs";
        /// <summary>Milliseconds from a call's start to its answer (call record); absent when it was not answered.</summary>
        public const string AnsweredAfterMs = "answeredAfterMs";
        /// <summary>Milliseconds the parties talked, answer to end (call record); 0 when not answered.</summary>
        public const string DurationMs = "durationMs";
        /// <summary>RTP packets sent (call record).</summary>
        public const string PacketsSent = "packetsSent";
        /// <summary>RTP packets received from the far end (call record).</summary>
        public const string PacketsReceived = "packetsReceived";
        /// <summary>RTP packets from the far end that never arrived (call record, RFC 3550 cumulative loss).</summary>
        public const string PacketsLost = "packetsLost";
        /// <summary>Packets that arrived too late to play (call record).</summary>
        public const string LatePackets = "latePackets";
        /// <summary>The jitter buffer's delay at the end of a call, in ms (call record).</summary>
        public const string JitterBufferMs = "jitterBufferMs";
        /// <summary>Milliseconds of missing audio filled in by concealment (call record).</summary>
        public const string ConcealedMs = "concealedMs";
    }
}
