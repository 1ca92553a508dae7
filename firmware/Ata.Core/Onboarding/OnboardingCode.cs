namespace Ata.Core.Onboarding
{
    /// <summary>
    /// The one-time onboarding code the gateway issues per adapter and the technician types on the
    /// console (<c>onboard CODE</c>): the broker's host and port as the adapter must reach them, the
    /// device id, the device secret, and the SHA-256 fingerprint of the broker's CA (<see cref="BrokerCa"/>;
    /// empty for a broker the adapter reaches in plaintext).
    /// Written as Crockford base32 in dash-separated groups of five, ending in a CRC-16 so that a
    /// mistyped or missing character is refused rather than saved. The gateway and the adapter both
    /// use this class: the format is defined once.
    /// </summary>
    public sealed class OnboardingCode
    {
        /// <summary>The format version this firmware writes and reads.</summary>
        public const int FormatVersion = 1;

        /// <summary>Bytes of randomness in a device secret carried by a code.</summary>
        public const int SecretBytes = 15;

        /// <summary>Longest host name or device id a code carries.</summary>
        public const int MaxFieldLength = 64;

        /// <summary>The base32 alphabet (Crockford: no I, L, O, U).</summary>
        public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

        /// <summary>Characters per group in the written code.</summary>
        public const int GroupLength = 5;

        private OnboardingCode(string host, int port, string deviceId, string secret, string caFingerprint)
        {
            Host = host;
            Port = port;
            DeviceId = deviceId;
            Secret = secret;
            CaFingerprint = caFingerprint;
        }

        /// <summary>The broker's host as the adapter reaches it.</summary>
        public string Host { get; private set; }

        /// <summary>The broker's port as the adapter reaches it.</summary>
        public int Port { get; private set; }

        /// <summary>The adapter's device id.</summary>
        public string DeviceId { get; private set; }

        /// <summary>The device secret (its broker password): base32 text of <see cref="SecretBytes"/> random bytes.</summary>
        public string Secret { get; private set; }

        /// <summary>The broker CA's SHA-256 fingerprint in lowercase hex, or null when the code carries none (plaintext MQTT).</summary>
        public string CaFingerprint { get; private set; }

        /// <summary>Keeps the secret out of anything that prints the code's fields.</summary>
        public override string ToString()
        {
            return DeviceId + " at " + Host + ":" + Port.ToString();
        }

        /// <summary>The device secret a code carries for <paramref name="random"/> (<see cref="SecretBytes"/> bytes).</summary>
        public static string SecretOf(byte[] random)
        {
            return ToBase32(random, 0, random.Length);
        }

        /// <summary>
        /// Writes a code. Returns null when a field cannot be carried: an empty or too long host or id,
        /// a port outside 1..65535, or a secret that is not <see cref="SecretOf"/> of <see cref="SecretBytes"/> bytes.
        /// </summary>
        /// <param name="host">The broker's host for the adapter.</param>
        /// <param name="port">The broker's port for the adapter.</param>
        /// <param name="deviceId">The adapter's device id.</param>
        /// <param name="secretBytes">The <see cref="SecretBytes"/> random bytes of the device secret.</param>
        public static string Encode(string host, int port, string deviceId, byte[] secretBytes)
        {
            return Encode(host, port, deviceId, secretBytes, null);
        }

        /// <summary>
        /// Writes a code that pins the broker's CA by <paramref name="caFingerprint"/>, the SHA-256 of its
        /// DER (<see cref="BrokerCa.FingerprintBytes"/> bytes; null for plaintext). Returns null when a field
        /// cannot be carried (see the other overload) or the fingerprint is not 32 bytes.
        /// </summary>
        /// <param name="host">The broker's host for the adapter.</param>
        /// <param name="port">The broker's TLS port for the adapter.</param>
        /// <param name="deviceId">The adapter's device id.</param>
        /// <param name="secretBytes">The <see cref="SecretBytes"/> random bytes of the device secret.</param>
        /// <param name="caFingerprint">SHA-256 of the broker CA's certificate (DER), or null.</param>
        public static string Encode(string host, int port, string deviceId, byte[] secretBytes, byte[] caFingerprint)
        {
            if (!Carried(host) || !Carried(deviceId) || port < 1 || port > 65535 || secretBytes == null || secretBytes.Length != SecretBytes
                || (caFingerprint != null && caFingerprint.Length != BrokerCa.FingerprintBytes))
            {
                return null;
            }

            int fingerprintLength = caFingerprint == null ? 0 : caFingerprint.Length;
            byte[] data = new byte[1 + 2 + 1 + host.Length + 1 + deviceId.Length + SecretBytes + 1 + fingerprintLength + 2];
            int at = 0;
            data[at++] = FormatVersion;
            data[at++] = (byte)(port >> 8);
            data[at++] = (byte)port;
            at = PutText(data, at, host);
            at = PutText(data, at, deviceId);
            for (int i = 0; i < SecretBytes; i++)
            {
                data[at++] = secretBytes[i];
            }

            data[at++] = (byte)fingerprintLength;
            for (int i = 0; i < fingerprintLength; i++)
            {
                data[at++] = caFingerprint[i];
            }

            int crc = Crc16(data, at);
            data[at++] = (byte)(crc >> 8);
            data[at++] = (byte)crc;
            string plain = ToBase32(data, 0, at);
            string grouped = string.Empty;
            for (int i = 0; i < plain.Length; i += GroupLength)
            {
                grouped += (i == 0 ? string.Empty : "-") + plain.Substring(i, plain.Length - i < GroupLength ? plain.Length - i : GroupLength);
            }

            return grouped;
        }

        /// <summary>
        /// Reads a code as typed (any case, dashes and spaces ignored, O read as 0, I and L as 1).
        /// Returns null and sets <paramref name="error"/> to a sentence for the technician when it is not a valid code.
        /// </summary>
        /// <param name="text">The code as typed.</param>
        /// <param name="error">Why it was refused, or null.</param>
        public static OnboardingCode Decode(string text, out string error)
        {
            error = null;
            byte[] data = FromBase32(text == null ? string.Empty : text);
            if (data == null)
            {
                error = "the onboarding code has a character that is not in it (letters A-Z except U, digits, dashes)";
                return null;
            }

            if (data.Length < 3 || Crc16(data, data.Length - 2) != ((data[data.Length - 2] << 8) | data[data.Length - 1]))
            {
                error = "the onboarding code does not check out: a character is mistyped or missing; type it again exactly as shown";
                return null;
            }

            if (data[0] != FormatVersion)
            {
                error = "the onboarding code is of a newer format (" + data[0].ToString() + "); update the firmware first";
                return null;
            }

            int end = data.Length - 2;
            int at = 3;
            string host = TakeText(data, ref at, end);
            string deviceId = TakeText(data, ref at, end);
            if (host == null || deviceId == null || at + SecretBytes + 1 > end)
            {
                error = "the onboarding code is damaged; ask for a new one";
                return null;
            }

            string secret = ToBase32(data, at, SecretBytes);
            at += SecretBytes;
            int fingerprintLength = data[at++];
            if (at + fingerprintLength != end || (fingerprintLength != 0 && fingerprintLength != BrokerCa.FingerprintBytes))
            {
                error = "the onboarding code is damaged; ask for a new one";
                return null;
            }

            string fingerprint = null;
            if (fingerprintLength > 0)
            {
                byte[] pinned = new byte[fingerprintLength];
                for (int i = 0; i < fingerprintLength; i++)
                {
                    pinned[i] = data[at + i];
                }

                fingerprint = Ata.Core.Json.Hex.Of(pinned);
            }

            int port = (data[1] << 8) | data[2];
            if (port == 0)
            {
                error = "the onboarding code is damaged; ask for a new one";
                return null;
            }

            return new OnboardingCode(host, port, deviceId, secret, fingerprint);
        }

        private static bool Carried(string text)
        {
            if (text == null || text.Length == 0 || text.Length > MaxFieldLength)
            {
                return false;
            }

            char[] chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (chars[i] <= ' ' || chars[i] > '~')
                {
                    return false;
                }
            }

            return true;
        }

        private static int PutText(byte[] data, int at, string text)
        {
            char[] chars = text.ToCharArray();
            data[at++] = (byte)chars.Length;
            for (int i = 0; i < chars.Length; i++)
            {
                data[at++] = (byte)chars[i];
            }

            return at;
        }

        private static string TakeText(byte[] data, ref int at, int end)
        {
            if (at >= end)
            {
                return null;
            }

            int length = data[at++];
            if (length == 0 || length > MaxFieldLength || at + length > end)
            {
                return null;
            }

            char[] chars = new char[length];
            for (int i = 0; i < length; i++)
            {
                byte b = data[at + i];
                if (b <= ' ' || b > '~')
                {
                    return null;
                }

                chars[i] = (char)b;
            }

            at += length;
            return new string(chars);
        }

        /// <summary>CRC-16/CCITT-FALSE (polynomial 0x1021, start 0xFFFF) of the first <paramref name="length"/> bytes.</summary>
        private static int Crc16(byte[] data, int length)
        {
            int crc = 0xFFFF;
            for (int i = 0; i < length; i++)
            {
                crc ^= data[i] << 8;
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xFFFF : (crc << 1) & 0xFFFF;
                }
            }

            return crc;
        }

        private static string ToBase32(byte[] data, int offset, int count)
        {
            char[] alphabet = Alphabet.ToCharArray();
            char[] text = new char[(count * 8 + 4) / 5];
            int buffer = 0;
            int bits = 0;
            int at = 0;
            for (int i = 0; i < count; i++)
            {
                buffer = (buffer << 8) | data[offset + i];
                bits += 8;
                while (bits >= 5)
                {
                    bits -= 5;
                    text[at++] = alphabet[(buffer >> bits) & 31];
                }
            }

            if (bits > 0)
            {
                text[at++] = alphabet[(buffer << (5 - bits)) & 31];
            }

            return new string(text, 0, at);
        }

        /// <summary>The bytes of base32 <paramref name="text"/>; null when a character is not base32, empty when it cannot have been written so.</summary>
        private static byte[] FromBase32(string text)
        {
            char[] chars = text.ToCharArray();
            byte[] data = new byte[chars.Length * 5 / 8];
            int buffer = 0;
            int bits = 0;
            int at = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                int value = Value(chars[i]);
                if (value == -2)
                {
                    continue;
                }

                if (value < 0)
                {
                    return null;
                }

                buffer = ((buffer << 5) | value) & 0xFFFF;
                bits += 5;
                if (bits >= 8)
                {
                    bits -= 8;
                    data[at++] = (byte)(buffer >> bits);
                }
            }

            if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0)
            {
                // A character too many, or one whose unused low bits are not zero: not as written.
                return new byte[0];
            }

            if (at == data.Length)
            {
                return data;
            }

            byte[] exact = new byte[at];
            for (int i = 0; i < at; i++)
            {
                exact[i] = data[i];
            }

            return exact;
        }

        /// <summary>A base32 digit's value; -2 for a separator to skip; -1 for anything else.</summary>
        private static int Value(char c)
        {
            if (c == '-' || c == ' ')
            {
                return -2;
            }

            if (c >= 'a' && c <= 'z')
            {
                c = (char)(c - 'a' + 'A');
            }

            if (c == 'O')
            {
                c = '0';
            }
            else if (c == 'I' || c == 'L')
            {
                c = '1';
            }

            return Alphabet.IndexOf(c);
        }
    }
}
