namespace Ata.Gateway.Calls;

/// <summary>How call records are kept and judged, bound from the <c>CallRecords</c> configuration section.</summary>
public sealed class CallRecordOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "CallRecords";

    /// <summary>How long call records are kept, in days (older ones are pruned). Default 30.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>Most records kept per adapter (the oldest go first), whatever it sends within the retention. Default 5000.</summary>
    public int MaxPerAdapter { get; set; } = 5000;

    /// <summary>A line's last calls (with media) whose median MOS is judged. Default 10.</summary>
    public int QualityWindowCalls { get; set; } = 10;

    /// <summary>The median MOS below which a line has a poor call quality incident. Default 3.6.</summary>
    public double PoorMosBelow { get; set; } = 3.6;

    /// <summary>How long call records are kept.</summary>
    public TimeSpan Retention => TimeSpan.FromDays(RetentionDays);
}
