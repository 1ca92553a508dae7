using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ata.Portability.Tests;

/// <summary>
/// What a documentation-comment ID does not say (return and property types, static or not, struct or
/// class, base type, <c>out</c> or <c>ref</c>, <c>params</c>), read from the .NET member with the same
/// ID when there is one. nanoFramework's collections, text, streams and threading follow .NET's shapes
/// member for member (the portability check bound the core to .NET's own declarations of them until it
/// compiled against the real mscorlib), so where the IDs match the shapes do. A shape that names a type
/// nanoFramework lacks (generic, Span, …) is not used: the member then falls back to
/// <see cref="NanoFrameworkStubs"/>' tables and <see cref="NanoFrameworkStubs.UnknownType"/>.
/// </summary>
internal sealed class DotNetShapes
{
    private static readonly Lazy<CSharpCompilation> DotNet = new(() => CSharpCompilation.Create("dotnet-shapes", references: PortabilitySources.DotNetReferences));

    private readonly HashSet<string> nanoTypes;

    /// <summary>Shapes limited to types in <paramref name="nanoTypes"/> (names without the <c>T:</c> prefix).</summary>
    public DotNetShapes(HashSet<string> nanoTypes)
    {
        this.nanoTypes = nanoTypes;
    }

    /// <summary>The .NET symbol with exactly this documentation-comment ID, or null.</summary>
    public ISymbol? Symbol(string id) => DocumentationCommentId.GetFirstSymbolForDeclarationId(id, DotNet.Value);

    /// <summary>The .NET type of this name, or null.</summary>
    public INamedTypeSymbol? Type(string typeName) => Symbol("T:" + typeName) as INamedTypeSymbol;

    /// <summary>
    /// The type of a field or property, or the return type of a method, as a documentation type name; null
    /// when unknown or not on nanoFramework. A field nanoFramework has where .NET has a property of the same
    /// name (<c>DictionaryEntry.Key</c>) has that property's type.
    /// </summary>
    public string? TypeOf(string id) => (Symbol(id) ?? (id[0] is 'F' or 'P' ? SameName(id) : null)) switch
    {
        IMethodSymbol method => NanoName(method.ReturnType),
        IPropertySymbol property => NanoName(property.Type),
        IFieldSymbol field => NanoName(field.Type),
        IEventSymbol eventSymbol => NanoName(eventSymbol.Type),
        _ => null,
    };

    /// <summary>
    /// Whether the member is static on .NET; for a field nanoFramework has where .NET has a property of
    /// the same name (<c>DictionaryEntry.Key</c>), that property decides. Null when .NET has neither.
    /// </summary>
    public bool? IsStatic(string id)
    {
        if (Symbol(id) is { } member)
        {
            return member.IsStatic;
        }

        return SameName(id)?.IsStatic;
    }

    /// <summary>The base interfaces of the .NET interface that nanoFramework has too.</summary>
    public IEnumerable<string> BaseInterfacesOf(string typeName) =>
        Type(typeName)?.Interfaces.Select(NanoName).OfType<string>() ?? Enumerable.Empty<string>();

    /// <summary>The parameters of the .NET method or indexer with this ID, or null.</summary>
    public IReadOnlyList<IParameterSymbol>? ParametersOf(string id) => Symbol(id) switch
    {
        IMethodSymbol method => method.Parameters,
        IPropertySymbol property => property.Parameters,
        _ => null,
    };

    /// <summary>The base class of the .NET type when nanoFramework has it too (not Object, ValueType, Enum or Delegate), else null.</summary>
    public string? BaseTypeOf(string typeName)
    {
        INamedTypeSymbol? baseType = Type(typeName)?.BaseType;
        if (baseType == null || baseType.SpecialType is SpecialType.System_Object or SpecialType.System_ValueType
            or SpecialType.System_Enum or SpecialType.System_MulticastDelegate)
        {
            return null;
        }

        return NanoName(baseType);
    }

    private ISymbol? SameName(string id)
    {
        string path = NanoFrameworkStubs.MemberPath(id);
        int dot = path.LastIndexOf('.');
        return Type(path[..dot])?.GetMembers(path[(dot + 1)..]).FirstOrDefault();
    }

    /// <summary>The type as a documentation type name when nanoFramework has it (void included), else null.</summary>
    public string? NanoName(ITypeSymbol type)
    {
        switch (type)
        {
            case { SpecialType: SpecialType.System_Void }:
                return "System.Void";
            case IArrayTypeSymbol { Rank: 1 } array:
                string? element = NanoName(array.ElementType);
                return element == null ? null : element + "[]";
            case INamedTypeSymbol { IsGenericType: false } named:
                string? id = named.GetDocumentationCommentId();
                return id != null && nanoTypes.Contains(id[2..]) ? id[2..] : null;
            default:
                return null;
        }
    }
}
