namespace Ata.Core.Sip.Auth
{
    /// <summary>
    /// The Merkle–Damgård padding MD5 and SHA-256 share: the message, a 0x80 byte, zeros, and the
    /// message length in bits as 8 bytes, filling whole 64-byte blocks. MD5 writes the length
    /// little-endian (RFC 1321), SHA-256 big-endian (FIPS 180-4).
    /// </summary>
    internal static class MessagePadding
    {
        /// <summary>Block size of both hashes, in bytes.</summary>
        public const int BlockSize = 64;

        /// <summary>A padded copy of <paramref name="data"/>, a whole number of 64-byte blocks long.</summary>
        public static byte[] Pad(byte[] data, bool bigEndianLength)
        {
            int paddedLength = ((data.Length + 8) / BlockSize + 1) * BlockSize;
            byte[] message = new byte[paddedLength];
            System.Array.Copy(data, message, data.Length);
            message[data.Length] = 0x80;
            long bitLength = (long)data.Length * 8;
            for (int i = 0; i < 8; i++)
            {
                int at = bigEndianLength ? paddedLength - 1 - i : paddedLength - 8 + i;
                message[at] = (byte)(bitLength >> (8 * i));
            }

            return message;
        }
    }
}
