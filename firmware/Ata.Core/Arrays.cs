namespace Ata.Core
{
    /// <summary>
    /// Arrays of references made safe for nanoFramework's interpreter, whose fresh reference-type
    /// arrays hold no real nulls until null is stored in each element (comparing one crashes it).
    /// </summary>
    public static class Arrays
    {
        /// <summary>A <c>string[]</c> of <paramref name="length"/> with null stored in every element.</summary>
        public static string[] Strings(int length)
        {
            string[] array = new string[length];
            for (int i = 0; i < length; i++)
            {
                array[i] = null;
            }

            return array;
        }
    }
}
