namespace Ata.Core.Media
{
    /// <summary>
    /// The RTP fixed header (RFC 3550 §5.1), written into and read from caller-owned buffers. One instance
    /// is reused for every packet read, so reading allocates nothing.
    /// </summary>
    public sealed class RtpHeader
    {
        /// <summary>Bytes in the fixed header (no CSRC, no extension): what <see cref="Write"/> writes.</summary>
        public const int Size = 12;

        /// <summary>The RTP version this adapter speaks.</summary>
        public const int Version = 2;

        /// <summary>The marker bit: the first packet of a talkspurt, or of a telephone event.</summary>
        public bool Marker { get; private set; }

        /// <summary>The payload type (0–127).</summary>
        public int PayloadType { get; private set; }

        /// <summary>The sequence number (0–65535).</summary>
        public int Sequence { get; private set; }

        /// <summary>The timestamp, in samples of the payload's clock.</summary>
        public uint Timestamp { get; private set; }

        /// <summary>The synchronisation source.</summary>
        public uint Ssrc { get; private set; }

        /// <summary>Where the payload starts in the buffer read (after CSRCs and any header extension).</summary>
        public int PayloadOffset { get; private set; }

        /// <summary>Payload bytes (without padding).</summary>
        public int PayloadLength { get; private set; }

        /// <summary>
        /// Writes a fixed header at <paramref name="offset"/>; returns <see cref="Size"/>. The payload follows it.
        /// </summary>
        public static int Write(byte[] buffer, int offset, bool marker, int payloadType, int sequence, uint timestamp, uint ssrc)
        {
            buffer[offset] = Version << 6;
            buffer[offset + 1] = (byte)((marker ? 0x80 : 0) | (payloadType & 0x7F));
            buffer[offset + 2] = (byte)(sequence >> 8);
            buffer[offset + 3] = (byte)sequence;
            WriteUInt32(buffer, offset + 4, timestamp);
            WriteUInt32(buffer, offset + 8, ssrc);
            return Size;
        }

        /// <summary>
        /// Reads the header of the packet in <paramref name="data"/> (<paramref name="length"/> bytes from
        /// <paramref name="offset"/>). False, with this header unchanged, when it is not a well-formed RTP
        /// version 2 packet: too short, CSRCs, extension or padding running past the end.
        /// </summary>
        public bool TryRead(byte[] data, int offset, int length)
        {
            if (data == null || length < Size || offset < 0 || offset + length > data.Length)
            {
                return false;
            }

            int first = data[offset];
            if ((first >> 6) != Version)
            {
                return false;
            }

            int at = Size + ((first & 0x0F) * 4);
            if (at > length)
            {
                return false;
            }

            if ((first & 0x10) != 0)
            {
                if (at + 4 > length)
                {
                    return false;
                }

                at += 4 + (((data[offset + at + 2] << 8) | data[offset + at + 3]) * 4);
                if (at > length)
                {
                    return false;
                }
            }

            int end = length;
            if ((first & 0x20) != 0)
            {
                int padding = data[offset + length - 1];
                if (padding == 0 || at + padding > length)
                {
                    return false;
                }

                end -= padding;
            }

            int second = data[offset + 1];
            Marker = (second & 0x80) != 0;
            PayloadType = second & 0x7F;
            Sequence = (data[offset + 2] << 8) | data[offset + 3];
            Timestamp = ReadUInt32(data, offset + 4);
            Ssrc = ReadUInt32(data, offset + 8);
            PayloadOffset = offset + at;
            PayloadLength = end - at;
            return true;
        }

        /// <summary>Writes a big-endian 32-bit value.</summary>
        public static void WriteUInt32(byte[] buffer, int offset, uint value)
        {
            buffer[offset] = (byte)(value >> 24);
            buffer[offset + 1] = (byte)(value >> 16);
            buffer[offset + 2] = (byte)(value >> 8);
            buffer[offset + 3] = (byte)value;
        }

        /// <summary>Reads a big-endian 32-bit value.</summary>
        public static uint ReadUInt32(byte[] data, int offset)
        {
            return ((uint)data[offset] << 24) | ((uint)data[offset + 1] << 16) | ((uint)data[offset + 2] << 8) | data[offset + 3];
        }
    }
}
