using System;

namespace Ata.Core.Sip
{
    /// <summary>
    /// Cuts a TCP byte stream into SIP messages (RFC 3261 §18.3: the header ends at an empty line,
    /// the body is Content-Length bytes) and recognises keep-alive pongs (a lone CRLF, RFC 5626
    /// §4.4.1). Bounded: a message larger than <see cref="SipResponse.MaxLength"/> breaks the stream.
    /// </summary>
    public sealed class StreamFramer
    {
        private readonly byte[] _buffer = new byte[SipResponse.MaxLength * 2];
        private int _count;

        /// <summary>True once the stream carried something that cannot be framed; the connection should close.</summary>
        public bool Broken { get; private set; }

        /// <summary>Pongs seen since the last call to <see cref="TakePongs"/>.</summary>
        public int Pongs { get; private set; }

        /// <summary>Appends received bytes.</summary>
        public void Append(byte[] data, int length)
        {
            if (Broken)
            {
                return;
            }

            if (_count + length > _buffer.Length)
            {
                Broken = true;
                return;
            }

            Array.Copy(data, 0, _buffer, _count, length);
            _count += length;
        }

        /// <summary>Returns and resets the pong count.</summary>
        public int TakePongs()
        {
            int pongs = Pongs;
            Pongs = 0;
            return pongs;
        }

        /// <summary>The next complete message's bytes, or null when none is complete yet.</summary>
        public byte[] Next()
        {
            while (!Broken)
            {
                // Leading CRLFs between messages are keep-alive traffic: a CRLF alone is a pong.
                int skip = 0;
                while (skip + 1 < _count && _buffer[skip] == 13 && _buffer[skip + 1] == 10)
                {
                    skip += 2;
                    Pongs++;
                }

                if (skip > 0)
                {
                    Consume(skip);
                    continue;
                }

                int headerEnd = IndexOfEmptyLine();
                if (headerEnd < 0)
                {
                    if (_count > SipResponse.MaxLength)
                    {
                        Broken = true;
                    }

                    return null;
                }

                int bodyLength = ContentLength(headerEnd);
                if (bodyLength < 0 || headerEnd + 4 + bodyLength > SipResponse.MaxLength)
                {
                    Broken = true;
                    return null;
                }

                int total = headerEnd + 4 + bodyLength;
                if (_count < total)
                {
                    return null;
                }

                byte[] message = new byte[total];
                Array.Copy(_buffer, 0, message, 0, total);
                Consume(total);
                return message;
            }

            return null;
        }

        private int IndexOfEmptyLine()
        {
            for (int i = 0; i + 3 < _count; i++)
            {
                if (_buffer[i] == 13 && _buffer[i + 1] == 10 && _buffer[i + 2] == 13 && _buffer[i + 3] == 10)
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>The Content-Length (or compact <c>l</c>) of the header block; a stream message must have one.</summary>
        private int ContentLength(int headerEnd)
        {
            string head = System.Text.Encoding.UTF8.GetString(_buffer, 0, headerEnd);
            string[] lines = head.Split(new char[] { '\n' });
            for (int i = 1; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                int colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    continue;
                }

                string name = SipText.ToLowerAscii(line.Substring(0, colon).Trim());
                if (name == "content-length" || name == "l")
                {
                    return SipText.ParseNonNegative(line.Substring(colon + 1));
                }
            }

            return -1;
        }

        private void Consume(int n)
        {
            Array.Copy(_buffer, n, _buffer, 0, _count - n);
            _count -= n;
        }
    }
}
