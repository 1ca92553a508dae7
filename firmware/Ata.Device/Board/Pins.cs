namespace Ata.Device.Board
{
    /// <summary>
    /// The reference board's pins, exactly as in <c>hardware/pinmap.json</c> (a test compares the two):
    /// ESP32 GPIO numbers for the application's pins, and the bits of the 74HC595 that drives the LEDs
    /// and the SLICs' ring-mode and power lines.
    /// </summary>
    public static class Pins
    {
        /// <summary>RESET/BOOT button, low = pressed.</summary>
        public const int FactoryReset = 0;

        /// <summary>74HC595 SRCLK.</summary>
        public const int ShiftClock = 2;

        /// <summary>74HC595 SER.</summary>
        public const int ShiftData = 4;

        /// <summary>74HC595 RCLK.</summary>
        public const int ShiftLatch = 5;

        /// <summary>I2S1 DATA_OUT to the codec.</summary>
        public const int I2sDataOut = 13;

        /// <summary>I2S1 BCK.</summary>
        public const int I2sBitClock = 14;

        /// <summary>I2S1 WS.</summary>
        public const int I2sWordSelect = 15;

        /// <summary>COM2 TX (technician console).</summary>
        public const int ConsoleTx = 16;

        /// <summary>Ag1171 #1 F/R.</summary>
        public const int Line1Polarity = 32;

        /// <summary>Ag1171 #2 F/R.</summary>
        public const int Line2Polarity = 33;

        /// <summary>Ag1171 #1 SHK, high = off-hook.</summary>
        public const int Line1Hook = 34;

        /// <summary>Ag1171 #2 SHK, high = off-hook.</summary>
        public const int Line2Hook = 35;

        /// <summary>COM2 RX (technician console).</summary>
        public const int ConsoleRx = 36;

        /// <summary>I2S1 MDATA_IN from the codec.</summary>
        public const int I2sDataIn = 39;

        /// <summary>Shift register bit: PWR LED.</summary>
        public const int LedPower = 0;

        /// <summary>Shift register bit: WAN LED.</summary>
        public const int LedWan = 1;

        /// <summary>Shift register bit: TEL1 LED.</summary>
        public const int LedTel1 = 2;

        /// <summary>Shift register bit: TEL2 LED.</summary>
        public const int LedTel2 = 3;

        /// <summary>Shift register bit: Ag1171 #1 RM.</summary>
        public const int Line1RingMode = 4;

        /// <summary>Shift register bit: Ag1171 #2 RM.</summary>
        public const int Line2RingMode = 5;

        /// <summary>Shift register bit: SLIC power.</summary>
        public const int SlicPower = 6;
    }
}
