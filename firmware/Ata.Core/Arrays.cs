namespace Ata.Core
{
    /// <summary>
    /// Arrays of references whose elements are real nulls. On nanoFramework's interpreter the elements of
    /// a new reference-type array (<c>new string[n]</c>) are not null until null is stored in them, and
    /// comparing one crashes the runtime; .NET zeroes them. Every such array the firmware may read before
    /// filling is made here (the portability check refuses any other <c>new T[n]</c> of a reference type
    /// that is not filled right away).
    /// </summary>
    public static class Arrays
    {
        /// <summary>A string array of <paramref name="length"/> elements, each null.</summary>
        public static string[] Strings(int length)
        {
            return (string[])StoreNulls(new string[length]);
        }

        /// <summary>An object array of <paramref name="length"/> elements, each null.</summary>
        public static object[] Objects(int length)
        {
            return StoreNulls(new object[length]);
        }

        /// <summary>
        /// Stores null in every element of <paramref name="array"/>, an array of any reference type (a
        /// <c>LineConfig[]</c> is an <c>object[]</c>), and returns it:
        /// <c>LineConfig[] configs = new LineConfig[n]; Arrays.StoreNulls(configs);</c>.
        /// </summary>
        public static object[] StoreNulls(object[] array)
        {
            for (int i = 0; i < array.Length; i++)
            {
                array[i] = null;
            }

            return array;
        }
    }
}
