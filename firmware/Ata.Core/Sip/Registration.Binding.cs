using System.Text;
using Ata.Core.Sip.Auth;
using Ata.Core.Sip.Messages;
using Ata.Core.Text;

namespace Ata.Core.Sip
{
    /// <summary>The arithmetic of a binding: the expiry granted to our contact, when to refresh it, and the adapter's stable instance id.</summary>
    public sealed partial class Registration
    {
        /// <summary>
        /// The expiry a 2xx to REGISTER granted our contact, recognised by its <c>+sip.instance</c>
        /// (<paramref name="instanceId"/>, when given) or by its URI: the contact's <c>expires</c>
        /// parameter, else the <c>Expires</c> header, else -1.
        /// </summary>
        public static int GrantedExpiresOf(SipResponse response, string contactUri, string instanceId)
        {
            System.Collections.ArrayList contacts = response.Headers("contact");
            for (int i = 0; i < contacts.Count; i++)
            {
                string element = (string)contacts[i];
                string instance = instanceId == null ? null : HeaderValue.Parameter(element, "+sip.instance");
                bool ours = instance != null
                    ? instance == "<" + instanceId + ">"
                    : AsciiText.EqualsIgnoreCase(HeaderValue.Uri(element), contactUri);
                if (ours)
                {
                    int expires = AsciiText.ParseNonNegative(HeaderValue.Parameter(element, "expires"));
                    if (expires >= 0)
                    {
                        return expires;
                    }
                }
            }

            return response.Expires;
        }

        /// <summary>
        /// When to refresh a binding granted for <paramref name="grantedSeconds"/>: half-way for short
        /// expiries, a minute early for long ones.
        /// </summary>
        public static long RefreshDelayMs(int grantedSeconds)
        {
            long granted = (long)grantedSeconds * 1000;
            long margin = granted / 2 < 60000 ? granted / 2 : 60000;
            return granted - margin;
        }

        /// <summary>
        /// A stable <c>urn:uuid</c> for the adapter, derived from its device id (a name-based UUID,
        /// RFC 4122 §4.3 with MD5), so the same adapter always presents the same instance.
        /// </summary>
        public static string InstanceIdFor(string deviceId)
        {
            byte[] hash = Md5.Hash(Encoding.UTF8.GetBytes("ata-instance:" + deviceId));
            hash[6] = (byte)((hash[6] & 0x0F) | 0x30);
            hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
            string hex = Json.Hex.Of(hash);
            return "urn:uuid:" + hex.Substring(0, 8) + "-" + hex.Substring(8, 4) + "-" + hex.Substring(12, 4) + "-"
                + hex.Substring(16, 4) + "-" + hex.Substring(20, 12);
        }
    }
}
