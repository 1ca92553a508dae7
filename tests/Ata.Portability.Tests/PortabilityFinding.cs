namespace Ata.Portability.Tests;

/// <summary>What kind of problem a <see cref="PortabilityFinding"/> is.</summary>
public enum FindingKind
{
    /// <summary>The sources do not compile as C# 7.3.</summary>
    CompilationError,

    /// <summary>A language construct nanoFramework 1.x cannot run (generics, async, tuples, ...).</summary>
    Construct,

    /// <summary>A type, member or namespace that is not in the nanoFramework API listing.</summary>
    MissingApi,
}

/// <summary>One problem at one place in the checked sources.</summary>
public sealed class PortabilityFinding
{
    /// <summary>Creates a finding.</summary>
    public PortabilityFinding(FindingKind kind, string subject, string detail, string file, int line, string? typeId = null)
    {
        Kind = kind;
        Subject = subject;
        Detail = detail;
        File = file;
        Line = line;
        TypeId = typeId;
    }

    /// <summary>What kind of problem this is.</summary>
    public FindingKind Kind { get; }

    /// <summary>
    /// For <see cref="FindingKind.MissingApi"/> the documentation-comment ID that is not listed
    /// (<c>N:</c> for a namespace); for <see cref="FindingKind.Construct"/> the construct's name (one of
    /// <see cref="Constructs"/>); for <see cref="FindingKind.CompilationError"/> the compiler's diagnostic ID.
    /// </summary>
    public string Subject { get; }

    /// <summary>What was found there: the offending code, or the compiler's message.</summary>
    public string Detail { get; }

    /// <summary>The source file, as given to the checker (usually relative to the repository root).</summary>
    public string File { get; }

    /// <summary>1-based line in <see cref="File"/>.</summary>
    public int Line { get; }

    /// <summary>
    /// For a missing member, the documentation-comment ID of its containing type (so members of a
    /// type that is missing altogether are reported under that type); otherwise null.
    /// </summary>
    public string? TypeId { get; }

    /// <summary><c>file:line</c>.</summary>
    public string Where => File + ":" + Line;

    /// <inheritdoc />
    public override string ToString() => Where + ": " + Kind + " " + Subject + " (" + Detail + ")";
}

/// <summary>Names of the constructs nanoFramework 1.x cannot run, with what to write instead.</summary>
public static class Constructs
{
    /// <summary>Generic type or method declarations and any constructed generic type or method.</summary>
    public const string Generics = "generics";

    /// <summary><c>async</c> methods and lambdas, <c>await</c>.</summary>
    public const string Async = "async/await";

    /// <summary>Query syntax, <c>using System.Linq</c>, anything from System.Linq.</summary>
    public const string Linq = "LINQ";

    /// <summary><c>record</c> declarations.</summary>
    public const string Records = "records";

    /// <summary>Tuple types, tuple literals and deconstruction.</summary>
    public const string Tuples = "tuples";

    /// <summary><c>int?</c> and anything else typed <c>System.Nullable&lt;T&gt;</c>.</summary>
    public const string NullableValueTypes = "nullable value types";

    /// <summary><c>string?</c>: nullable reference annotations (C# 8).</summary>
    public const string NullableAnnotations = "nullable reference annotations";

    /// <summary><c>dynamic</c>.</summary>
    public const string Dynamic = "dynamic";

    /// <summary><c>unsafe</c>, pointers, <c>fixed</c>, address-of.</summary>
    public const string Unsafe = "unsafe code";

    /// <summary><c>stackalloc</c>, <c>Span&lt;T&gt;</c> and friends, <c>ref struct</c>.</summary>
    public const string StackallocSpan = "stackalloc/Span";

    /// <summary><c>yield return</c>/<c>yield break</c>.</summary>
    public const string Iterators = "iterators (yield)";

    /// <summary><c>new { ... }</c>.</summary>
    public const string AnonymousTypes = "anonymous types";

    /// <summary><c>int[,]</c> and higher ranks.</summary>
    public const string MultidimensionalArrays = "multidimensional arrays";

    /// <summary>
    /// Static initialization that uses another type's statics: nanoFramework runs all static
    /// constructors at start-up, in type order, so the other type may not be initialized yet.
    /// </summary>
    public const string StaticInitializationOrder = "static initialization that uses another type's statics";

    /// <summary>A new array of a reference type read before null is stored in its elements.</summary>
    public const string FreshReferenceArray = "fresh array of references";

    /// <summary>Why each construct fails on nanoFramework 1.x, and what to write instead.</summary>
    public static string Advice(string construct)
    {
        switch (construct)
        {
            case Generics: return "nanoFramework 1.x has no generics (2.x preview only): use ArrayList, Hashtable, arrays and custom delegates";
            case Async: return "no Task or async on nanoFramework: the core is driven by calls that pass `now`";
            case Linq: return "no System.Linq on nanoFramework: write the loop";
            case Records: return "records need C# 9 and IEquatable<T>: write a class";
            case Tuples: return "tuples are System.ValueTuple<...> (generic, absent): return a small class or use out parameters";
            case NullableValueTypes: return "T? is System.Nullable<T> (generic, absent): use a sentinel value or a bool flag";
            case NullableAnnotations: return "nullable annotations need C# 8; the core is C# 7.3 with nullable disabled";
            case Dynamic: return "dynamic needs the Microsoft.CSharp runtime binder";
            case Unsafe: return "nanoFramework's interpreter does not run unsafe code or pointers";
            case StackallocSpan: return "no stackalloc, Span<T> or ref structs on 1.x: use byte[] (or SpanByte in device code)";
            case Iterators: return "yield compiles to a class implementing IEnumerable<T>/IEnumerator<T> (generic): fill an ArrayList or write an IEnumerator class";
            case AnonymousTypes: return "anonymous types compile to generic classes: write a class";
            case MultidimensionalArrays: return "nanoFramework runs single-dimensional arrays only: use jagged arrays (T[][]) or index arithmetic";
            case StaticInitializationOrder: return "nanoFramework runs every static constructor at start-up in type order, so the other type's statics may still be null or 0: build the table on first use (or per instance), or keep it in the same type";
            case FreshReferenceArray: return "on nanoFramework the elements of a new reference-type array are not null until null is stored (comparing one crashes the runtime): use Arrays.Strings(n), Arrays.Objects(n) or Arrays.StoreNulls(array), or fill every element in a for loop right after creating it";
            default: return string.Empty;
        }
    }
}
