namespace Ata.Core.Telephony
{
    /// <summary>Line (hook) state names, as reported in health and events.</summary>
    public static class LineState
    {
        /// <summary>Handset on hook, nothing happening.</summary>
        public const string Idle = "idle";
        /// <summary>Handset lifted.</summary>
        public const string OffHook = "off-hook";
    }
}
