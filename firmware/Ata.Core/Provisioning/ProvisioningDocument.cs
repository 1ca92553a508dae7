using System.Collections;
using Ata.Core.Contract;
using Ata.Core.Json;
using Ata.Core.Sip;

namespace Ata.Core.Provisioning
{
    /// <summary>
    /// The provisioning document the gateway publishes (retained) on <c>ata/{id}/config</c>:
    /// a version and up to two line accounts.
    /// </summary>
    public sealed class ProvisioningDocument
    {
        /// <summary>Lines on the board.</summary>
        public const int MaxLines = 2;

        /// <summary>Largest document accepted, in characters.</summary>
        public const int MaxLength = 16384;

        /// <summary>Creates a document.</summary>
        public ProvisioningDocument(long version, LineConfig[] lines)
        {
            Version = version;
            Lines = lines;
        }

        /// <summary>Config version; every change on the gateway makes a new one.</summary>
        public long Version { get; private set; }

        /// <summary>Line accounts, indexed by line number - 1; null where a line has no account.</summary>
        public LineConfig[] Lines { get; private set; }

        /// <summary>
        /// A new device secret the gateway is rotating to, or null. The adapter keeps it and uses it
        /// from its next broker connection on; the gateway switches once the version is applied.
        /// Never logged or reported.
        /// </summary>
        public string DeviceSecret { get; set; }

        /// <summary>The account of line <paramref name="line"/> (1-based), or null.</summary>
        public LineConfig Line(int line)
        {
            return line >= 1 && line <= Lines.Length ? Lines[line - 1] : null;
        }

        /// <summary>
        /// Parses and validates a document. Returns null with <paramref name="error"/> naming the
        /// field when it cannot be applied. Never throws on bad input.
        /// </summary>
        public static ProvisioningDocument Parse(string json, out string error)
        {
            error = null;
            if (json == null || json.Length > MaxLength)
            {
                error = "document is missing or larger than " + MaxLength.ToString() + " characters";
                return null;
            }

            Hashtable root;
            try
            {
                root = JsonReader.ParseObject(json);
            }
            catch (JsonException e)
            {
                error = "not a JSON object: " + e.Message;
                return null;
            }

            long version = JsonObject.GetLong(root, Fields.Version, -1);
            if (version < 0)
            {
                error = "version: missing or not a non-negative integer";
                return null;
            }

            ArrayList lines = JsonObject.GetArray(root, Fields.Lines);
            if (lines == null)
            {
                error = "lines: missing or not an array";
                return null;
            }

            if (lines.Count > MaxLines)
            {
                error = "lines: the adapter has " + MaxLines.ToString() + " lines, the document has " + lines.Count.ToString();
                return null;
            }

            LineConfig[] configs = new LineConfig[MaxLines];
            Arrays.StoreNulls(configs);
            for (int i = 0; i < lines.Count; i++)
            {
                string field = "lines[" + i.ToString() + "]";
                Hashtable line = lines[i] as Hashtable;
                if (line == null)
                {
                    error = field + ": not an object";
                    return null;
                }

                int number = (int)JsonObject.GetLong(line, Fields.Line, i + 1);
                if (number < 1 || number > MaxLines || configs[number - 1] != null)
                {
                    error = field + ".line: must be 1 or 2, once each";
                    return null;
                }

                string username = JsonObject.GetString(line, Fields.Username);
                if (username == null || username.Length == 0)
                {
                    error = field + ".username: missing";
                    return null;
                }

                string password = JsonObject.GetString(line, Fields.Password);
                string ha1 = JsonObject.GetString(line, Fields.Ha1);
                string realm = JsonObject.GetString(line, Fields.Realm);
                if (password == null && ha1 == null)
                {
                    error = field + ".password: missing";
                    return null;
                }

                if (password == null && (realm == null || realm.Length == 0 || !IsHexDigest(ha1)))
                {
                    error = field + ".ha1: must be 32 hexadecimal digits, with the realm it was made for";
                    return null;
                }

                string host;
                int port;
                string registrarError = LineConfig.ParseRegistrar(JsonObject.GetString(line, Fields.Registrar), out host, out port);
                if (registrarError != null)
                {
                    error = field + ".registrar: " + registrarError;
                    return null;
                }

                long expires = JsonObject.GetLong(line, Fields.Expires, LineConfig.DefaultExpires);
                if (expires < 30 || expires > 86400)
                {
                    error = field + ".expires: must be from 30 to 86400 seconds";
                    return null;
                }

                configs[number - 1] = new LineConfig(number, username, JsonObject.GetString(line, Fields.AuthUsername), password, host, port, (int)expires);
                configs[number - 1].Realm = realm;
                configs[number - 1].Ha1 = password == null ? Text.AsciiText.ToLower(ha1) : null;
                error = ParseRegistrationOptions(line, configs[number - 1], field);
                if (error != null)
                {
                    return null;
                }

                Telephony.LineProfile profile = Telephony.LineProfile.Parse(line, field, out error);
                if (profile == null)
                {
                    return null;
                }

                configs[number - 1].Profile = profile;
            }

            string deviceSecret = JsonObject.GetString(root, Fields.DeviceSecret);
            if (deviceSecret != null && (deviceSecret.Length < 8 || deviceSecret.Length > 128 || deviceSecret.IndexOf(':') >= 0))
            {
                error = Fields.DeviceSecret + ": must be 8 to 128 characters without ':'";
                return null;
            }

            ProvisioningDocument document = new ProvisioningDocument(version, configs);
            document.DeviceSecret = deviceSecret;
            return document;
        }

        private static bool IsHexDigest(string text)
        {
            if (text == null || text.Length != 32)
            {
                return false;
            }

            for (int i = 0; i < text.Length; i++)
            {
                if (Json.Hex.ValueOf(text[i]) < 0)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The optional registration settings of a line: secondary registrar, keep-alive, back-off.</summary>
        private static string ParseRegistrationOptions(Hashtable line, LineConfig config, string field)
        {
            string primaryHost;
            int primaryPort;
            bool primaryPortGiven;
            LineConfig.ParseRegistrar(JsonObject.GetString(line, Fields.Registrar), out primaryHost, out primaryPort, out primaryPortGiven);
            config.RegistrarPortGiven = primaryPortGiven;
            string secondary = JsonObject.GetString(line, Fields.SecondaryRegistrar);
            if (secondary != null && secondary.Length > 0)
            {
                string host;
                int port;
                bool portGiven;
                string error = LineConfig.ParseRegistrar(secondary, out host, out port, out portGiven);
                if (error != null)
                {
                    return field + "." + Fields.SecondaryRegistrar + ": " + error;
                }

                config.SecondaryHost = host;
                config.SecondaryPort = port;
                config.SecondaryPortGiven = portGiven;
            }

            string proxy = JsonObject.GetString(line, Fields.OutboundProxy);
            if (proxy != null && proxy.Length > 0)
            {
                string proxyHost;
                int proxyPort;
                bool proxyPortGiven;
                string error = LineConfig.ParseRegistrar(proxy, out proxyHost, out proxyPort, out proxyPortGiven);
                if (error != null)
                {
                    return field + "." + Fields.OutboundProxy + ": " + error;
                }

                config.ProxyHost = proxyHost;
                config.ProxyPort = proxyPort;
                config.ProxyPortGiven = proxyPortGiven;
            }

            long keepAlive = JsonObject.GetLong(line, Fields.KeepAliveSeconds, LineConfig.DefaultKeepAliveSeconds);
            if (keepAlive != 0 && (keepAlive < 5 || keepAlive > 3600))
            {
                return field + "." + Fields.KeepAliveSeconds + ": must be 0 (off) or from 5 to 3600 seconds";
            }

            long probe = JsonObject.GetLong(line, Fields.RegistrarProbeSeconds, config.RegistrarProbeSeconds);
            if (probe != 0 && (probe < 10 || probe > 3600))
            {
                return field + "." + Fields.RegistrarProbeSeconds + ": must be 0 (off) or from 10 to 3600 seconds";
            }

            long noAnswer = JsonObject.GetLong(line, Fields.NoAnswerSeconds, LineConfig.DefaultNoAnswerSeconds);
            if (noAnswer != 0 && (noAnswer < 10 || noAnswer > 3600))
            {
                return field + "." + Fields.NoAnswerSeconds + ": must be 0 (no limit) or from 10 to 3600 seconds";
            }

            long retryBase = JsonObject.GetLong(line, Fields.RetryBaseSeconds, config.RetryBaseSeconds);
            long retryMax = JsonObject.GetLong(line, Fields.RetryMaxSeconds, config.RetryMaxSeconds);
            if (retryBase < 1 || retryBase > 3600)
            {
                return field + "." + Fields.RetryBaseSeconds + ": must be from 1 to 3600 seconds";
            }

            if (retryMax < retryBase || retryMax > 7200)
            {
                return field + "." + Fields.RetryMaxSeconds + ": must be from " + Fields.RetryBaseSeconds + " to 7200 seconds";
            }

            object callWaiting = line[Fields.CallWaiting];
            if (callWaiting != null && !(callWaiting is bool))
            {
                return field + "." + Fields.CallWaiting + ": must be true or false";
            }

            object messageWaiting = line[Fields.MessageWaiting];
            if (messageWaiting != null && !(messageWaiting is bool))
            {
                return field + "." + Fields.MessageWaiting + ": must be true or false";
            }

            string transport = JsonObject.GetString(line, Fields.Transport);
            if (transport != null && transport != LineConfig.Udp && transport != LineConfig.Tcp)
            {
                return field + "." + Fields.Transport + ": must be \"udp\" or \"tcp\"";
            }

            config.Transport = transport == null ? LineConfig.Udp : transport;
            config.KeepAliveSeconds = (int)keepAlive;
            config.RegistrarProbeSeconds = (int)probe;
            config.NoAnswerSeconds = (int)noAnswer;
            config.CallWaiting = callWaiting == null || (bool)callWaiting;
            config.MessageWaiting = messageWaiting == null || (bool)messageWaiting;
            config.RetryBaseSeconds = (int)retryBase;
            config.RetryMaxSeconds = (int)retryMax;
            return null;
        }

        /// <summary>The version a document says it has, read even when the rest is unusable; -1 when none can be read.</summary>
        public static long ReadVersion(string json)
        {
            try
            {
                return JsonObject.GetLong(JsonReader.ParseObject(json), Fields.Version, -1);
            }
            catch (JsonException)
            {
                return -1;
            }
        }

        /// <summary>The document as JSON (includes passwords: for the config topic only).</summary>
        public string ToJson()
        {
            JsonWriter w = new JsonWriter();
            w.BeginObject().Property(Fields.Version, Version);
            if (DeviceSecret != null)
            {
                w.Property(Fields.DeviceSecret, DeviceSecret);
            }

            w.Name(Fields.Lines).BeginArray();
            for (int i = 0; i < Lines.Length; i++)
            {
                LineConfig line = Lines[i];
                if (line == null)
                {
                    continue;
                }

                w.BeginObject()
                    .Property(Fields.Line, line.Line)
                    .Property(Fields.Username, line.Username);
                if (line.AuthUsername != line.Username)
                {
                    w.Property(Fields.AuthUsername, line.AuthUsername);
                }

                if (line.Password != null)
                {
                    w.Property(Fields.Password, line.Password);
                }
                else
                {
                    w.Property(Fields.Ha1, line.Ha1);
                }

                if (line.Realm != null)
                {
                    w.Property(Fields.Realm, line.Realm);
                }

                w
                    .Property(Fields.Registrar, FormatRegistrar(line.RegistrarHost, line.RegistrarPortGiven ? line.RegistrarPort : 0))
                    .Property(Fields.Expires, line.Expires)
                    .Property(Fields.KeepAliveSeconds, line.KeepAliveSeconds)
                    .Property(Fields.RegistrarProbeSeconds, line.RegistrarProbeSeconds)
                    .Property(Fields.NoAnswerSeconds, line.NoAnswerSeconds)
                    .Property(Fields.CallWaiting, line.CallWaiting)
                    .Property(Fields.MessageWaiting, line.MessageWaiting)
                    .Property(Fields.RetryBaseSeconds, line.RetryBaseSeconds)
                    .Property(Fields.RetryMaxSeconds, line.RetryMaxSeconds)
                    .Property(Fields.Transport, line.Transport);
                if (line.SecondaryHost != null)
                {
                    w.Property(Fields.SecondaryRegistrar, FormatRegistrar(line.SecondaryHost, line.SecondaryPortGiven ? line.SecondaryPort : 0));
                }

                if (line.ProxyHost != null)
                {
                    w.Property(Fields.OutboundProxy, FormatRegistrar(line.ProxyHost, line.ProxyPortGiven ? line.ProxyPort : 0));
                }

                line.Profile.WriteTo(w);
                w.EndObject();
            }

            return w.EndArray().EndObject().ToString();
        }

        /// <summary><c>host:port</c>, or <c>host</c> for port 0, bracketing IPv6 literals.</summary>
        public static string FormatRegistrar(string host, int port)
        {
            string h = host.IndexOf(':') >= 0 ? "[" + host + "]" : host;
            return port == 0 ? h : h + ":" + port.ToString();
        }
    }
}
