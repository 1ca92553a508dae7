using Ata.Core;
using Ata.Core.Hardware;

namespace Ata.Device.Board
{
    /// <summary>The reference board's facts for hello and health.</summary>
    public sealed class BoardInfo : IDeviceInfo
    {
        /// <summary>The hardware revision reported to the gateway.</summary>
        public const string Revision = "ata-ref-1";

        private readonly string _resetReason;
        private readonly string _mac;

        /// <summary>Facts fixed at boot: why it reset and the WAN MAC.</summary>
        public BoardInfo(string resetReason, string mac)
        {
            _resetReason = resetReason;
            _mac = mac;
        }

        /// <inheritdoc/>
        public string Firmware
        {
            get { return FirmwareVersion.Current; }
        }

        /// <inheritdoc/>
        public string Hardware
        {
            get { return Revision; }
        }

        /// <inheritdoc/>
        public string ResetReason
        {
            get { return _resetReason; }
        }

        /// <inheritdoc/>
        public string Mac
        {
            get { return _mac; }
        }

        /// <inheritdoc/>
        public int Rssi
        {
            get { return 0; }
        }

        /// <inheritdoc/>
        public long FreeHeap
        {
            get { return nanoFramework.Runtime.Native.GC.Run(false); }
        }
    }
}
