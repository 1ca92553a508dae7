namespace Ata.Core.Hardware
{
    /// <summary>The SLIC's line polarity: reversed to wake a phone for caller ID sent before the first ring.</summary>
    public interface ILinePolarity
    {
        /// <summary>Sets <paramref name="line"/> (1-based) to reversed (<paramref name="reversed"/>) or normal polarity.</summary>
        void Set(int line, bool reversed);
    }
}
