using System.Collections;

namespace Ata.Core.Json
{
    /// <summary>Typed reads of values in a parsed JSON object.</summary>
    public static class JsonObject
    {
        /// <summary>The string at <paramref name="name"/>, or null when absent or not a string.</summary>
        public static string GetString(Hashtable table, string name)
        {
            return table[name] as string;
        }

        /// <summary>The integer at <paramref name="name"/>, or <paramref name="fallback"/> when absent or not an integer.</summary>
        public static long GetLong(Hashtable table, string name, long fallback)
        {
            object value = table[name];
            return value is long ? (long)value : fallback;
        }

        /// <summary>The boolean at <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
        public static bool GetBool(Hashtable table, string name, bool fallback)
        {
            object value = table[name];
            return value is bool ? (bool)value : fallback;
        }

        /// <summary>The array at <paramref name="name"/>, or null.</summary>
        public static ArrayList GetArray(Hashtable table, string name)
        {
            return table[name] as ArrayList;
        }

        /// <summary>The object at <paramref name="name"/>, or null.</summary>
        public static Hashtable GetObject(Hashtable table, string name)
        {
            return table[name] as Hashtable;
        }
    }
}
