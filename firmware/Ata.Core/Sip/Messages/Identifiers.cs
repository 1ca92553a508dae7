using System;

namespace Ata.Core.Sip.Messages
{
    /// <summary>The random identifiers of SIP requests: branches (RFC 3261 §8.1.1.7), tags, Call-IDs and client nonces.</summary>
    public static class Identifiers
    {
        /// <summary>The magic cookie every RFC 3261 branch starts with.</summary>
        public const string BranchCookie = "z9hG4bK";

        /// <summary>A new Via branch, unique per transaction.</summary>
        public static string Branch(Random random)
        {
            return BranchCookie + Token(random, 12);
        }

        /// <summary>A new From or To tag.</summary>
        public static string Tag(Random random)
        {
            return Token(random, 10);
        }

        /// <summary>A new Call-ID.</summary>
        public static string CallId(Random random)
        {
            return Token(random, 16) + "@ata";
        }

        /// <summary><paramref name="length"/> random lower-case hex digits.</summary>
        public static string Token(Random random, int length)
        {
            char[] chars = new char[length];
            for (int i = 0; i < length; i++)
            {
                chars[i] = Json.Hex.Digit(random.Next(16));
            }

            return new string(chars);
        }
    }
}
