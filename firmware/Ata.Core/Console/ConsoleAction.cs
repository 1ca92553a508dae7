namespace Ata.Core.Console
{
    /// <summary>What the host must do after a console command: the core decides, the board acts.</summary>
    public static class ConsoleAction
    {
        /// <summary>Nothing.</summary>
        public const string None = "none";

        /// <summary>Restart the board (after the reply has been sent).</summary>
        public const string Reboot = "reboot";
    }
}
