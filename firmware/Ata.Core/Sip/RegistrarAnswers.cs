using Ata.Core.Faults;

namespace Ata.Core.Sip
{
    /// <summary>
    /// What a registrar's final answer to REGISTER means for the line: one row per status code or
    /// range (first match wins), with what the registration does next and the fault it shows.
    /// Data, not code: <see cref="Registration"/> reads it, and tests check it with vectors.
    /// </summary>
    public static class RegistrarAnswers
    {
        /// <summary>2xx: the binding stands.</summary>
        public const int Accept = 0;

        /// <summary>401/407: answer the digest challenge.</summary>
        public const int Challenge = 1;

        /// <summary>423: ask again with the registrar's Min-Expires.</summary>
        public const int AskLonger = 2;

        /// <summary>A final refusal: show the fault and wait for new configuration; retrying cannot help.</summary>
        public const int Stop = 3;

        /// <summary>The registrar cannot serve now: try the other registrar at once if there is one, then back off.</summary>
        public const int TryOther = 4;

        /// <summary>Refused for another reason: show the fault and retry after the back-off.</summary>
        public const int Retry = 5;

        // Rows: lowest code, highest code, action; the fault and the words for support are at the same index.
        private static readonly int[] Low = { 200, 401, 407, 403, 404, 408, 423, 500, 300 };
        private static readonly int[] High = { 299, 401, 407, 403, 404, 408, 423, 599, 699 };
        private static readonly int[] Actions = { Accept, Challenge, Challenge, Stop, Stop, TryOther, AskLonger, TryOther, Retry };

        private static readonly string[] Faults =
        {
            null,
            FaultCode.WrongCredentials,
            FaultCode.WrongCredentials,
            FaultCode.WrongCredentials,
            FaultCode.AccountUnknown,
            FaultCode.RegistrarUnreachable,
            FaultCode.RegistrationRefused,
            FaultCode.RegistrarOverloaded,
            FaultCode.RegistrationRefused,
        };

        private static readonly string[] Details =
        {
            null,
            "the registrar rejected the credentials",
            "the proxy rejected the credentials",
            "the registrar refused the credentials",
            "the registrar does not know the account",
            "request timeout",
            "registrar asked for a longer expiry without saying how long",
            "registrar error",
            "registrar refused",
        };

        /// <summary>The action for a final status code (200..699): <see cref="Accept"/>, <see cref="Challenge"/>, …</summary>
        public static int ActionFor(int statusCode)
        {
            return Actions[RowOf(statusCode)];
        }

        /// <summary>The fault a final status code raises (see <see cref="FaultCode"/>), or null for 2xx.</summary>
        public static string FaultFor(int statusCode)
        {
            return Faults[RowOf(statusCode)];
        }

        /// <summary>What the status code means, in words for support, ending with the code; null for 2xx.</summary>
        public static string DetailFor(int statusCode)
        {
            string detail = Details[RowOf(statusCode)];
            return detail == null ? null : detail + " (" + statusCode.ToString() + ")";
        }

        private static int RowOf(int statusCode)
        {
            for (int i = 0; i < Low.Length; i++)
            {
                if (statusCode >= Low[i] && statusCode <= High[i])
                {
                    return i;
                }
            }

            // Not a final code: treat as the catch-all refusal.
            return Low.Length - 1;
        }
    }
}
