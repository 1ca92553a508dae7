namespace Ata.Core
{
    /// <summary>The firmware's version, reported in hello, health and the SIP User-Agent.</summary>
    public static class FirmwareVersion
    {
        /// <summary>Semantic version of this firmware.</summary>
        public const string Current = "0.1.0";
    }
}
