namespace Ata.Portability.Tests;

/// <summary>
/// Interpreter hazards the check finds in code that issue 11 rewrites on another branch (Adapter,
/// Console/, Faults/, Leds/, Contract/, the hosts), accepted here only until that rewrite lands with
/// the fix (<c>Arrays.Strings</c>, <c>Arrays.StoreNulls</c>). The list can only shrink: an entry that no
/// longer matches a finding fails the tests, and so does any finding not listed. Delete this class
/// when it is empty.
/// </summary>
public static class PendingFixes
{
    /// <summary>(file, construct, detail) of each accepted finding, one entry per occurrence.</summary>
    public static readonly IReadOnlyList<(string File, string Construct, string Detail)> Sites = new[]
    {
        ("firmware/Ata.Core/Adapter.cs", Constructs.FreshReferenceArray, "new Registration[LineCount]"),
        ("firmware/Ata.Core/Adapter.cs", Constructs.FreshReferenceArray, "new string[LineCount]"),
        ("firmware/Ata.Core/Adapter.cs", Constructs.FreshReferenceArray, "new string[LineCount]"),
        ("firmware/Ata.Core/Adapter.cs", Constructs.FreshReferenceArray, "new PhoneLine[LineCount]"),
        ("firmware/Ata.Core/Adapter.cs", Constructs.FreshReferenceArray, "new HookDecoder[LineCount]"),
        ("firmware/Ata.Core/Adapter.cs", Constructs.FreshReferenceArray, "new DtmfDetector[LineCount]"),
        ("firmware/Ata.Core/Adapter.cs", Constructs.FreshReferenceArray, "new string[4]"),
        ("firmware/Ata.Core/Console/RecentLog.cs", Constructs.FreshReferenceArray, "new string[capacity]"),
    };

    /// <summary>The report's findings that are not pending fixes.</summary>
    public static IReadOnlyList<PortabilityFinding> Unexpected(PortabilityReport report) => Match(report).Unexpected;

    /// <summary>Pending entries no finding matches any more: fixed, so to be deleted here.</summary>
    public static IReadOnlyList<string> Stale(PortabilityReport report) => Match(report).Stale;

    private static (List<PortabilityFinding> Unexpected, List<string> Stale) Match(PortabilityReport report)
    {
        var open = Sites.ToList();
        var unexpected = new List<PortabilityFinding>();
        foreach (PortabilityFinding finding in report.Findings)
        {
            int index = open.FindIndex(s => finding.Kind == FindingKind.Construct && s.File == finding.File && s.Construct == finding.Subject && s.Detail == finding.Detail);
            if (index >= 0)
            {
                open.RemoveAt(index);
            }
            else
            {
                unexpected.Add(finding);
            }
        }

        return (unexpected, open.Select(s => s.File + ": " + s.Detail).ToList());
    }
}
