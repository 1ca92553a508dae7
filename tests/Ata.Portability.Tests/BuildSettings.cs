using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ata.Portability.Tests;

/// <summary>One assembly reference of a project: its name and where the build finds it.</summary>
public sealed record AssemblyReference(string Name, string? HintPath);

/// <summary>
/// What the C# compiler is told when a project builds: the language version, preprocessor symbols,
/// how warnings are treated, whether a documentation file is written, and so on. Read from a
/// <c>.nfproj</c> by <see cref="NfprojReader"/>; <see cref="Default"/> is what checks of loose snippets use.
/// </summary>
public sealed record BuildSettings
{
    /// <summary>C# 7.3, a library, no symbols, no documentation file, warnings left as warnings.</summary>
    public static readonly BuildSettings Default = new();

    /// <summary>The assembly's name.</summary>
    public string AssemblyName { get; init; } = "PortabilityCheck";

    /// <summary><c>OutputType</c>: an executable needs an entry point.</summary>
    public OutputKind OutputKind { get; init; } = OutputKind.DynamicallyLinkedLibrary;

    /// <summary><c>LangVersion</c>.</summary>
    public LanguageVersion LanguageVersion { get; init; } = LanguageVersion.CSharp7_3;

    /// <summary><c>DefineConstants</c>.</summary>
    public IReadOnlyList<string> PreprocessorSymbols { get; init; } = Array.Empty<string>();

    /// <summary><c>TreatWarningsAsErrors</c>.</summary>
    public bool TreatWarningsAsErrors { get; init; }

    /// <summary><c>WarningLevel</c> (4 when a project does not set it, as the C# build targets default).</summary>
    public int WarningLevel { get; init; } = 4;

    /// <summary><c>NoWarn</c>, as compiler IDs (<c>CS1591</c>).</summary>
    public IReadOnlyList<string> NoWarn { get; init; } = Array.Empty<string>();

    /// <summary><c>WarningsAsErrors</c>, as compiler IDs.</summary>
    public IReadOnlyList<string> WarningsAsErrors { get; init; } = Array.Empty<string>();

    /// <summary><c>WarningsNotAsErrors</c>, as compiler IDs.</summary>
    public IReadOnlyList<string> WarningsNotAsErrors { get; init; } = Array.Empty<string>();

    /// <summary><c>DocumentationFile</c>: when set, the compiler checks the XML documentation comments (CS1591, CS1573, …).</summary>
    public string? DocumentationFile { get; init; }

    /// <summary><c>Nullable</c>.</summary>
    public NullableContextOptions Nullable { get; init; } = NullableContextOptions.Disable;

    /// <summary><c>AllowUnsafeBlocks</c>.</summary>
    public bool AllowUnsafeBlocks { get; init; }

    /// <summary><c>CheckForOverflowUnderflow</c>.</summary>
    public bool CheckForOverflowUnderflow { get; init; }

    /// <summary><c>Optimize</c>.</summary>
    public bool Optimize { get; init; }

    /// <summary>The project's <c>Reference</c> items.</summary>
    public IReadOnlyList<AssemblyReference> References { get; init; } = Array.Empty<AssemblyReference>();

    /// <summary>How sources are parsed: the language version, the symbols, and documentation comments checked when a file is written.</summary>
    public CSharpParseOptions ParseOptions => new(
        LanguageVersion,
        DocumentationFile != null ? DocumentationMode.Diagnose : DocumentationMode.None,
        SourceCodeKind.Regular,
        PreprocessorSymbols);

    /// <summary>How the compilation is set up: output kind, warnings, nullable, unsafe, overflow checks, optimization.</summary>
    public CSharpCompilationOptions CompilationOptions
    {
        get
        {
            var specific = new Dictionary<string, ReportDiagnostic>(StringComparer.Ordinal);
            foreach (string id in WarningsNotAsErrors)
            {
                specific[id] = ReportDiagnostic.Warn;
            }

            foreach (string id in WarningsAsErrors)
            {
                specific[id] = ReportDiagnostic.Error;
            }

            foreach (string id in NoWarn)
            {
                specific[id] = ReportDiagnostic.Suppress;
            }

            return new CSharpCompilationOptions(
                OutputKind,
                generalDiagnosticOption: TreatWarningsAsErrors ? ReportDiagnostic.Error : ReportDiagnostic.Default,
                warningLevel: WarningLevel,
                specificDiagnosticOptions: specific,
                nullableContextOptions: Nullable,
                allowUnsafe: AllowUnsafeBlocks,
                checkOverflow: CheckForOverflowUnderflow,
                optimizationLevel: Optimize ? OptimizationLevel.Release : OptimizationLevel.Debug);
        }
    }

    /// <summary>Every setting on one line, for reports; two settings are equal when their summaries are.</summary>
    public string Summary => string.Join(", ", new[]
    {
        AssemblyName, OutputKind.ToString(), "C# " + LanguageVersion.ToDisplayString(), "symbols " + string.Join(";", PreprocessorSymbols),
        "warnings as errors " + TreatWarningsAsErrors, "warning level " + WarningLevel, "NoWarn " + string.Join(";", NoWarn),
        "WarningsAsErrors " + string.Join(";", WarningsAsErrors), "WarningsNotAsErrors " + string.Join(";", WarningsNotAsErrors),
        "documentation file " + (DocumentationFile ?? "none"), "nullable " + Nullable, "unsafe " + AllowUnsafeBlocks,
        "checked " + CheckForOverflowUnderflow, "optimize " + Optimize,
        "references " + string.Join(";", References.Select(r => r.Name + "=" + r.HintPath)),
    });

    /// <inheritdoc />
    public bool Equals(BuildSettings? other) => other is not null && Summary == other.Summary;

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Summary);

    /// <summary>The same settings for a part of the project compiled on its own (the core the device links): a library.</summary>
    public BuildSettings AsLibrary() => this with { OutputKind = OutputKind.DynamicallyLinkedLibrary };

    /// <summary>Compiler IDs from an MSBuild warning list: <c>1591;CS1573, nullable</c>.</summary>
    public static IReadOnlyList<string> WarningIds(string list) => list
        .Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(id => id.All(char.IsDigit) ? "CS" + int.Parse(id, CultureInfo.InvariantCulture).ToString("D4", CultureInfo.InvariantCulture) : id)
        .ToList();
}
