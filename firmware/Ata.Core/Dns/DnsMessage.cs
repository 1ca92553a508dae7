using System.Collections;
using System.Text;

namespace Ata.Core.Dns
{
    /// <summary>
    /// DNS messages (RFC 1035) as far as the adapter needs them: a query for one name and type,
    /// and the A and SRV records of a response (answers and additional section), with name
    /// compression. Malformed input gives null, never an exception or an unbounded loop.
    /// </summary>
    public static class DnsMessage
    {
        /// <summary>Response code: no error.</summary>
        public const int NoError = 0;

        /// <summary>Response code: the name does not exist.</summary>
        public const int NameError = 3;

        private const int HeaderLength = 12;
        private const int MaxPointerJumps = 16;

        /// <summary>A recursive query for <paramref name="name"/> of <paramref name="type"/>; null when the name cannot be encoded.</summary>
        public static byte[] Query(int id, string name, int type)
        {
            string[] labels = name.TrimEnd(new char[] { '.' }).Split(new char[] { '.' });
            int length = HeaderLength + 1 + 4;
            for (int i = 0; i < labels.Length; i++)
            {
                int n = Encoding.UTF8.GetBytes(labels[i]).Length;
                if (n == 0 || n > 63)
                {
                    return null;
                }

                length += n + 1;
            }

            if (length > 512)
            {
                return null;
            }

            byte[] message = new byte[length];
            message[0] = (byte)(id >> 8);
            message[1] = (byte)id;
            message[2] = 0x01; // RD: recursion desired
            message[5] = 1;    // QDCOUNT = 1
            int pos = HeaderLength;
            for (int i = 0; i < labels.Length; i++)
            {
                byte[] label = Encoding.UTF8.GetBytes(labels[i]);
                message[pos++] = (byte)label.Length;
                System.Array.Copy(label, 0, message, pos, label.Length);
                pos += label.Length;
            }

            message[pos++] = 0;
            message[pos++] = (byte)(type >> 8);
            message[pos++] = (byte)type;
            message[pos++] = 0;
            message[pos] = 1; // class IN
            return message;
        }

        /// <summary>The id of a message, or -1 when too short.</summary>
        public static int IdOf(byte[] data, int length)
        {
            return length < HeaderLength ? -1 : (data[0] << 8) | data[1];
        }

        /// <summary>
        /// Reads a response: its response code into <paramref name="rcode"/> and its A and SRV records
        /// (answer and additional sections). Returns null when the message is not a well-formed response.
        /// </summary>
        public static ArrayList ReadResponse(byte[] data, int length, out int rcode)
        {
            rcode = -1;
            if (data == null || length < HeaderLength || length > data.Length || (data[2] & 0x80) == 0)
            {
                return null;
            }

            rcode = data[3] & 0x0F;
            int questions = (data[4] << 8) | data[5];
            int answers = (data[6] << 8) | data[7];
            int authority = (data[8] << 8) | data[9];
            int additional = (data[10] << 8) | data[11];
            int pos = HeaderLength;
            for (int i = 0; i < questions; i++)
            {
                pos = SkipName(data, length, pos);
                if (pos < 0 || pos + 4 > length)
                {
                    return null;
                }

                pos += 4;
            }

            ArrayList records = new ArrayList();
            int total = answers + authority + additional;
            for (int i = 0; i < total; i++)
            {
                string owner = ReadName(data, length, pos);
                pos = SkipName(data, length, pos);
                if (owner == null || pos < 0 || pos + 10 > length)
                {
                    return null;
                }

                int type = (data[pos] << 8) | data[pos + 1];
                int cls = (data[pos + 2] << 8) | data[pos + 3];
                long ttl = ((long)data[pos + 4] << 24) | ((long)data[pos + 5] << 16) | ((long)data[pos + 6] << 8) | data[pos + 7];
                int rdLength = (data[pos + 8] << 8) | data[pos + 9];
                int rdata = pos + 10;
                pos = rdata + rdLength;
                if (pos > length)
                {
                    return null;
                }

                bool inAuthority = i >= answers && i < answers + authority;
                if (cls != 1 || inAuthority)
                {
                    continue;
                }

                if (type == DnsRecord.TypeA && rdLength == 4)
                {
                    string address = data[rdata].ToString() + "." + data[rdata + 1].ToString() + "." + data[rdata + 2].ToString() + "." + data[rdata + 3].ToString();
                    records.Add(new DnsRecord(owner, type, ttl, address, 0, 0, 0, null));
                }
                else if (type == DnsRecord.TypeSrv && rdLength >= 7)
                {
                    int priority = (data[rdata] << 8) | data[rdata + 1];
                    int weight = (data[rdata + 2] << 8) | data[rdata + 3];
                    int port = (data[rdata + 4] << 8) | data[rdata + 5];
                    string target = ReadName(data, length, rdata + 6);
                    if (target == null)
                    {
                        return null;
                    }

                    records.Add(new DnsRecord(owner, type, ttl, null, priority, weight, port, target));
                }
            }

            return records;
        }

        private static int SkipName(byte[] data, int length, int pos)
        {
            while (pos < length)
            {
                int len = data[pos];
                if (len == 0)
                {
                    return pos + 1;
                }

                if ((len & 0xC0) == 0xC0)
                {
                    return pos + 2 <= length ? pos + 2 : -1;
                }

                if ((len & 0xC0) != 0)
                {
                    return -1;
                }

                pos += len + 1;
            }

            return -1;
        }

        private static string ReadName(byte[] data, int length, int pos)
        {
            StringBuilder name = new StringBuilder();
            int jumps = 0;
            while (true)
            {
                if (pos >= length || name.Length > 255)
                {
                    return null;
                }

                int len = data[pos];
                if (len == 0)
                {
                    return Text.AsciiText.ToLower(name.ToString());
                }

                if ((len & 0xC0) == 0xC0)
                {
                    if (pos + 1 >= length || ++jumps > MaxPointerJumps)
                    {
                        return null;
                    }

                    pos = ((len & 0x3F) << 8) | data[pos + 1];
                    continue;
                }

                if ((len & 0xC0) != 0 || pos + 1 + len > length)
                {
                    return null;
                }

                if (name.Length > 0)
                {
                    name.Append('.');
                }

                for (int i = 0; i < len; i++)
                {
                    name.Append((char)data[pos + 1 + i]);
                }

                pos += len + 1;
            }
        }
    }
}
