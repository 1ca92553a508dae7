namespace Ata.Core.Health
{
    /// <summary>WAN state names, as reported in health.</summary>
    public static class WanState
    {
        /// <summary>No link.</summary>
        public const string Down = "down";
        /// <summary>Link, but no address or no internet.</summary>
        public const string Limited = "limited";
        /// <summary>Online.</summary>
        public const string Online = "online";
    }
}
