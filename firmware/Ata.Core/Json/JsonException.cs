using System;

namespace Ata.Core.Json
{
    /// <summary>Raised for text that is not JSON, or JSON beyond the reader's limits.</summary>
    public sealed class JsonException : Exception
    {
        /// <summary>Creates the exception with a message that names the position.</summary>
        public JsonException(string message, int position)
            : base(message + " at position " + position.ToString())
        {
            Position = position;
        }

        /// <summary>Byte offset (in the UTF-8 text) where the problem was found.</summary>
        public int Position { get; private set; }
    }
}
