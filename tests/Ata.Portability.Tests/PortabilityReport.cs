using System.Text;

namespace Ata.Portability.Tests;

/// <summary>What <see cref="PortabilityChecker"/> found in one set of sources.</summary>
public sealed class PortabilityReport
{
    private const int MaxSuggestions = 12;
    private readonly NanoFrameworkApi api;

    /// <summary>Creates a report; findings are kept in a stable order (kind, subject, file, line).</summary>
    public PortabilityReport(string name, NanoFrameworkApi api, IEnumerable<PortabilityFinding> findings, IEnumerable<string> usedAssemblies, IEnumerable<string> checkedIds, int checkedUses)
    {
        Name = name;
        this.api = api;
        Findings = findings
            .OrderBy(f => f.Kind)
            .ThenBy(f => f.Subject, StringComparer.Ordinal)
            .ThenBy(f => f.File, StringComparer.Ordinal)
            .ThenBy(f => f.Line)
            .ToList();
        UsedAssemblies = usedAssemblies.OrderBy(a => a, StringComparer.Ordinal).ToList();
        CheckedIds = checkedIds.Distinct(StringComparer.Ordinal).OrderBy(id => id, StringComparer.Ordinal).ToList();
        CheckedUses = checkedUses;
    }

    /// <summary>What was checked, e.g. <c>firmware/Ata.Core</c>.</summary>
    public string Name { get; }

    /// <summary>Every problem, one per construct or API and source line.</summary>
    public IReadOnlyList<PortabilityFinding> Findings { get; }

    /// <summary>The nanoFramework assemblies (per the listing) that the checked code uses.</summary>
    public IReadOnlyList<string> UsedAssemblies { get; }

    /// <summary>Every distinct documentation-comment ID that was looked up in the listing, sorted.</summary>
    public IReadOnlyList<string> CheckedIds { get; }

    /// <summary>How many distinct (API, line) uses were looked up in the listing.</summary>
    public int CheckedUses { get; }

    /// <summary>True when nothing was found.</summary>
    public bool IsPortable => Findings.Count == 0;

    /// <summary>Findings of one kind.</summary>
    public IReadOnlyList<PortabilityFinding> Of(FindingKind kind) => Findings.Where(f => f.Kind == kind).ToList();

    /// <summary>Missing-API findings whose subject is <paramref name="docId"/>.</summary>
    public IReadOnlyList<PortabilityFinding> Missing(string docId) =>
        Findings.Where(f => f.Kind == FindingKind.MissingApi && f.Subject == docId).ToList();

    /// <summary>Construct findings of <paramref name="construct"/> (one of <see cref="Constructs"/>).</summary>
    public IReadOnlyList<PortabilityFinding> ConstructsOf(string construct) =>
        Findings.Where(f => f.Kind == FindingKind.Construct && f.Subject == construct).ToList();

    /// <summary>
    /// The advice line for a missing API: "X is not on nanoFramework; available: ..." with the
    /// listed overloads of the same name, or what is missing around it.
    /// </summary>
    public string Advice(string docId)
    {
        string display = DocIds.Display(docId);
        if (docId.StartsWith("N:", StringComparison.Ordinal))
        {
            return "namespace " + docId.Substring(2) + " does not exist on nanoFramework: remove the using directive";
        }

        if (docId.StartsWith("T:", StringComparison.Ordinal))
        {
            IReadOnlyList<string> similar = api.TypesNamedLike(docId);
            return "type " + display + " is not on nanoFramework" + (similar.Count == 0
                ? string.Empty
                : "; types of that name there: " + string.Join(", ", similar.Take(MaxSuggestions)));
        }

        IReadOnlyList<string> overloads = api.OverloadsOf(docId);
        if (overloads.Count > 0)
        {
            return display + " is not on nanoFramework; available: " + string.Join(", ", overloads.Take(MaxSuggestions))
                + (overloads.Count > MaxSuggestions ? ", ..." : string.Empty);
        }

        string typeId = DocIds.ContainingTypeId(docId);
        return display + " is not on nanoFramework; " + (api.Contains(typeId)
            ? "the type has no member of that name there"
            : "its type " + DocIds.Display(typeId) + " is not there either");
    }

    /// <summary>One readable message listing every finding, grouped, with file:line, doc IDs and advice.</summary>
    public string Format()
    {
        var text = new StringBuilder();
        if (IsPortable)
        {
            text.Append(Name).Append(": portable to nanoFramework 1.x (")
                .Append(CheckedUses).Append(" API uses checked against ").Append(api.Source).Append(").");
            return text.ToString();
        }

        text.Append(Name).Append(": ").Append(Findings.Count).Append(" portability problem(s) for nanoFramework 1.x (API listing: ")
            .Append(api.Source).AppendLine(").");

        IReadOnlyList<PortabilityFinding> errors = Of(FindingKind.CompilationError);
        if (errors.Count > 0)
        {
            text.AppendLine().Append("Compilation errors under C# 7.3 (").Append(errors.Count).AppendLine("):");
            foreach (PortabilityFinding f in errors.OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Line))
            {
                text.Append("  ").Append(f.Where).Append(": ").Append(f.Subject).Append(": ").AppendLine(f.Detail);
            }
        }

        IReadOnlyList<PortabilityFinding> constructs = Of(FindingKind.Construct);
        if (constructs.Count > 0)
        {
            text.AppendLine().Append("Constructs nanoFramework 1.x cannot run (").Append(constructs.Count).AppendLine("):");
            foreach (IGrouping<string, PortabilityFinding> group in constructs.GroupBy(f => f.Subject))
            {
                text.Append("  ").Append(group.Key).Append(" - ").AppendLine(Constructs.Advice(group.Key));
                foreach (PortabilityFinding f in group)
                {
                    text.Append("    ").Append(f.Where).Append("  ").AppendLine(f.Detail);
                }
            }
        }

        IReadOnlyList<PortabilityFinding> missing = Of(FindingKind.MissingApi);
        if (missing.Count > 0)
        {
            text.AppendLine().Append("APIs not on nanoFramework 1.x (").Append(missing.Select(f => f.Subject).Distinct().Count())
                .AppendLine(" distinct):");

            // Members of a type that is missing altogether are listed under that type.
            var missingTypes = new HashSet<string>(missing.Where(f => f.Subject.StartsWith("T:", StringComparison.Ordinal)).Select(f => f.Subject));
            IEnumerable<IGrouping<string, PortabilityFinding>> groups = missing
                .GroupBy(f => f.TypeId != null && missingTypes.Contains(f.TypeId) ? f.TypeId : f.Subject)
                .OrderBy(g => g.Key, StringComparer.Ordinal);
            foreach (IGrouping<string, PortabilityFinding> group in groups)
            {
                text.Append("  ").AppendLine(Advice(group.Key));
                foreach (IGrouping<string, PortabilityFinding> bySubject in group.GroupBy(f => f.Subject).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    text.Append("    ").Append(bySubject.Key).Append("  at ")
                        .AppendLine(string.Join(", ", bySubject.Select(f => f.Where).Distinct()));
                }
            }
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Format();
}
