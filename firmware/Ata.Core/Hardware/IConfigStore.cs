namespace Ata.Core.Hardware
{
    /// <summary>
    /// Named text records that survive a reboot and a power loss. A write either replaces the whole
    /// record or leaves the previous one readable (the board writes a new file, verifies it, then switches).
    /// </summary>
    public interface IConfigStore
    {
        /// <summary>The record <paramref name="name"/>, or null when it was never written or was erased.</summary>
        string Read(string name);

        /// <summary>Replaces the record; false when the storage refused it (the previous record stays).</summary>
        bool Write(string name, string content);

        /// <summary>Erases every record (factory reset).</summary>
        void EraseAll();
    }
}
