using System.Collections;
using Ata.Core.Json;

namespace Ata.Core.DialPlan
{
    /// <summary>
    /// A line's service codes dialled before or instead of a number: anonymous calling (the code, then
    /// the number: the call goes out with the caller's identity withheld) and call return (the code
    /// alone calls back the last caller whose number was presented). Defaults per country (see
    /// README.md); provisionable per line as <c>"serviceCodes": {"anonymousCall": "*67", "callReturn":
    /// "*69"}</c>, an empty string turning a service off.
    /// </summary>
    public sealed class ServiceCodes
    {
        /// <summary>The line field holding the service codes.</summary>
        public const string Field = "serviceCodes";

        /// <summary>The field of the anonymous-calling prefix.</summary>
        public const string AnonymousCallField = "anonymousCall";

        /// <summary>The field of the call-return code.</summary>
        public const string CallReturnField = "callReturn";

        /// <summary>The detail of a <c>call</c> dial outcome placed with the caller's identity withheld.</summary>
        public const string AnonymousCallDetail = "anonymous";

        /// <summary>The detail of a <c>call</c> dial outcome that calls back the last caller.</summary>
        public const string CallReturnDetail = "call-return";

        /// <summary>The longest code.</summary>
        public const int MaxLength = 8;

        private readonly string _provisionedAnonymous;
        private readonly string _provisionedReturn;

        private ServiceCodes(string anonymousCall, string callReturn, string provisionedAnonymous, string provisionedReturn)
        {
            AnonymousCall = anonymousCall;
            CallReturn = callReturn;
            _provisionedAnonymous = provisionedAnonymous;
            _provisionedReturn = provisionedReturn;
        }

        /// <summary>The prefix that withholds the caller's identity for the number dialled after it, or null.</summary>
        public string AnonymousCall { get; private set; }

        /// <summary>The code that calls back the last caller, or null.</summary>
        public string CallReturn { get; private set; }

        /// <summary>The national defaults of <paramref name="country"/>.</summary>
        public static ServiceCodes For(string country)
        {
            return new ServiceCodes(DefaultAnonymousCall(country), DefaultCallReturn(country), null, null);
        }

        /// <summary>The anonymous-calling prefix of <paramref name="country"/>: <c>*67</c> in the US, <c>141</c> in the UK, <c>#31#</c> elsewhere.</summary>
        public static string DefaultAnonymousCall(string country)
        {
            switch (country)
            {
                case Telephony.Country.UnitedStates: return "*67";
                case Telephony.Country.UnitedKingdom: return "141";
                default: return "#31#";
            }
        }

        /// <summary>The call-return code of <paramref name="country"/>: <c>*69</c> in the US; none elsewhere.</summary>
        public static string DefaultCallReturn(string country)
        {
            return country == Telephony.Country.UnitedStates ? "*69" : null;
        }

        /// <summary>
        /// The codes of a line's <paramref name="line"/> object (<see cref="Field"/>, optional) over the
        /// defaults of <paramref name="country"/>; null with <paramref name="error"/> naming the field when one is bad.
        /// </summary>
        public static ServiceCodes Parse(Hashtable line, string country, string field, out string error)
        {
            error = null;
            object value = line[Field];
            if (value == null)
            {
                return For(country);
            }

            Hashtable codes = value as Hashtable;
            if (codes == null)
            {
                error = field + "." + Field + ": not an object of service name to code";
                return null;
            }

            foreach (DictionaryEntry entry in codes)
            {
                string name = entry.Key as string;
                if (name != AnonymousCallField && name != CallReturnField)
                {
                    error = field + "." + Field + "." + name + ": not a service (known: " + AnonymousCallField + ", " + CallReturnField + ")";
                    return null;
                }
            }

            string anonymous = Code(codes, AnonymousCallField, field, ref error);
            string callReturn = Code(codes, CallReturnField, field, ref error);
            if (error != null)
            {
                return null;
            }

            return new ServiceCodes(
                anonymous == null ? DefaultAnonymousCall(country) : (anonymous.Length == 0 ? null : anonymous),
                callReturn == null ? DefaultCallReturn(country) : (callReturn.Length == 0 ? null : callReturn),
                anonymous,
                callReturn);
        }

        /// <summary>
        /// True when <paramref name="digits"/> begin with the anonymous-calling prefix; <paramref name="number"/>
        /// is what follows it (possibly nothing yet).
        /// </summary>
        public bool StripAnonymous(string digits, out string number)
        {
            number = digits;
            if (AnonymousCall == null || !digits.StartsWith(AnonymousCall))
            {
                return false;
            }

            number = digits.Substring(AnonymousCall.Length);
            return true;
        }

        /// <summary>True when <paramref name="digits"/> could still become one of the codes (a strict beginning of one).</summary>
        public bool CouldBeCode(string digits)
        {
            return IsStart(digits, AnonymousCall) || IsStart(digits, CallReturn);
        }

        /// <summary>Writes the provisioned codes (not the defaults) into a line object being written.</summary>
        public void WriteTo(JsonWriter w)
        {
            if (_provisionedAnonymous == null && _provisionedReturn == null)
            {
                return;
            }

            w.Name(Field).BeginObject();
            if (_provisionedAnonymous != null)
            {
                w.Property(AnonymousCallField, _provisionedAnonymous);
            }

            if (_provisionedReturn != null)
            {
                w.Property(CallReturnField, _provisionedReturn);
            }

            w.EndObject();
        }

        private static bool IsStart(string digits, string code)
        {
            return code != null && digits.Length < code.Length && code.StartsWith(digits);
        }

        private static string Code(Hashtable codes, string name, string field, ref string error)
        {
            object value = codes[name];
            if (value == null)
            {
                return null;
            }

            string code = value as string;
            if (code == null || code.Length > MaxLength || (code.Length > 0 && code.Length < 2) || !Keys(code))
            {
                if (error == null)
                {
                    error = field + "." + Field + "." + name + ": must be 2 to " + MaxLength.ToString() + " keys of 0-9, * and # (or \"\" for none)";
                }

                return null;
            }

            return code;
        }

        private static bool Keys(string code)
        {
            char[] chars = code.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (!((c >= '0' && c <= '9') || c == '*' || c == '#'))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
