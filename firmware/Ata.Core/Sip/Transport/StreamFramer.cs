using System;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Sip.Transport
{
    /// <summary>
    /// Cuts a TCP byte stream into SIP messages (RFC 3261 §18.3: the header ends at an empty line,
    /// the body is Content-Length bytes) and recognises keep-alive pongs (a lone CRLF, RFC 5626
    /// §4.4.1). Bounded: a message larger than <see cref="SipMessage.MaxLength"/> breaks the stream.
    /// Each received byte is scanned once for the end of the header, however the stream is split.
    /// </summary>
    public sealed class StreamFramer
    {
        private readonly byte[] _buffer = new byte[SipMessage.MaxLength * 2];
        private int _count;
        private int _scanned;

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
                    if (_count > SipMessage.MaxLength)
                    {
                        Broken = true;
                    }

                    return null;
                }

                int bodyLength = SipMessageReader.ContentLengthOf(_buffer, 0, headerEnd + 2);
                if (bodyLength < 0 || headerEnd + 4 + bodyLength > SipMessage.MaxLength)
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

        /// <summary>Where the header's closing CR LF CR LF starts, or -1; resumes where the last call stopped.</summary>
        private int IndexOfEmptyLine()
        {
            for (int i = _scanned; i + 3 < _count; i++)
            {
                if (_buffer[i] == 13 && _buffer[i + 1] == 10 && _buffer[i + 2] == 13 && _buffer[i + 3] == 10)
                {
                    return i;
                }
            }

            _scanned = _count > 3 ? _count - 3 : 0;
            return -1;
        }

        private void Consume(int n)
        {
            Array.Copy(_buffer, n, _buffer, 0, _count - n);
            _count -= n;
            _scanned = 0;
        }
    }
}
