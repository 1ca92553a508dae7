using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Ata.Portability.Tests;

/// <summary>
/// The board gives the core every piece of hardware the core has a seam for: each interface in
/// <c>Ata.Core.Hardware</c> has an implementation in <c>firmware/Ata.Device</c>, and each hardware
/// property the adapter takes (<c>Audio</c>, <c>Ringer</c>, <c>Polarity</c>, …) is set by the reference
/// board. A seam only the simulator fills (caller ID before the first ring needs the line reversed) is a
/// feature the household would not get.
/// </summary>
public sealed class BoardSeamTests
{
    private static readonly Lazy<CSharpCompilation> Compilation = new(() =>
    {
        PortabilitySources sources = DeviceBuild.Device();
        return CSharpCompilation.Create("board-seams", sources.Trees, sources.References, sources.Settings.CompilationOptions);
    });

    /// <summary>Every hardware interface of the core is implemented by a type of the device project.</summary>
    [NanoFrameworkApiFact]
    public void Every_hardware_interface_of_the_core_has_a_board_implementation()
    {
        CSharpCompilation compilation = Compilation.Value;
        INamedTypeSymbol[] seams = DeclaredTypes(compilation, "firmware/Ata.Core/")
            .Where(t => t.TypeKind == TypeKind.Interface && t.ContainingNamespace.ToDisplayString() == "Ata.Core.Hardware").ToArray();
        INamedTypeSymbol[] board = DeclaredTypes(compilation, "firmware/Ata.Device/").Where(t => t.TypeKind == TypeKind.Class).ToArray();

        Assert.Contains(seams, s => s.Name == "ILinePolarity");
        string[] missing = seams.Where(seam => !board.Any(type => type.AllInterfaces.Contains(seam, SymbolEqualityComparer.Default)))
            .Select(seam => seam.Name).ToArray();
        Assert.True(missing.Length == 0, "no board implementation of " + string.Join(", ", missing));
    }

    /// <summary>Every settable hardware property of the adapter is assigned by the reference board.</summary>
    [NanoFrameworkApiFact]
    public void The_reference_board_hands_the_adapter_every_hardware_property()
    {
        CSharpCompilation compilation = Compilation.Value;
        INamedTypeSymbol adapter = compilation.GetTypeByMetadataName("Ata.Core.Adapter")!;
        IPropertySymbol[] hardware = adapter.GetMembers().OfType<IPropertySymbol>()
            .Where(p => p.DeclaredAccessibility == Accessibility.Public && p.SetMethod is { DeclaredAccessibility: Accessibility.Public }
                && p.Type.TypeKind == TypeKind.Interface && p.Type.ContainingNamespace.ToDisplayString() == "Ata.Core.Hardware")
            .ToArray();
        SyntaxTree boardTree = compilation.SyntaxTrees.Single(t => t.FilePath.EndsWith("Ata.Device/Board/ReferenceBoard.cs", StringComparison.Ordinal));
        SemanticModel model = compilation.GetSemanticModel(boardTree);
        var assigned = new HashSet<ISymbol>(boardTree.GetRoot().DescendantNodes().OfType<AssignmentExpressionSyntax>()
            .Select(a => model.GetSymbolInfo(a.Left).Symbol).OfType<IPropertySymbol>(), SymbolEqualityComparer.Default);

        Assert.Contains(hardware, p => p.Name == "Polarity");
        string[] unset = hardware.Where(p => !assigned.Contains(p)).Select(p => p.Name).ToArray();
        Assert.True(unset.Length == 0, "ReferenceBoard never sets Adapter." + string.Join(", Adapter.", unset));
    }

    private static IEnumerable<INamedTypeSymbol> DeclaredTypes(CSharpCompilation compilation, string pathPrefix) =>
        compilation.SyntaxTrees.Where(t => t.FilePath.StartsWith(pathPrefix, StringComparison.Ordinal))
            .SelectMany(t =>
            {
                SemanticModel model = compilation.GetSemanticModel(t);
                return t.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>().Select(d => model.GetDeclaredSymbol(d)).OfType<INamedTypeSymbol>();
            });
}
