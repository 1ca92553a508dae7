namespace Ata.Portability.Tests;

/// <summary>
/// The checker itself, on small in-memory snippets against a tiny API excerpt: the excerpt lists
/// exactly what <see cref="PortableBook"/> needs, so each test shows what is (and is not) required.
/// </summary>
public sealed partial class PortabilityCheckerTests
{
    /// <summary>Code in the nanoFramework style: ArrayList, Hashtable, StringBuilder, a custom delegate and event.</summary>
    public const string PortableBook = """
        using System;
        using System.Collections;
        using System.Text;

        namespace Demo
        {
            public delegate void LineHandler(int line, string text);

            public sealed class Book
            {
                private readonly ArrayList lines = new ArrayList();
                private readonly Hashtable byName = new Hashtable();

                public event LineHandler Changed;

                public int Count { get { return lines.Count; } }

                public void Add(string name, int line)
                {
                    lines.Add(name);
                    byName[name] = line;
                    if (Changed != null)
                    {
                        Changed(line, name);
                    }
                }

                public string Describe()
                {
                    StringBuilder text = new StringBuilder();
                    foreach (string name in lines)
                    {
                        text.Append(name).Append('=').Append((int)byName[name]).Append(';');
                    }

                    return "book: " + text.ToString() + " (" + lines.Count + ")";
                }
            }
        }
        """;

    /// <summary>Everything <see cref="PortableBook"/> uses, including what the compiler adds implicitly.</summary>
    public static readonly string[] PortableBookNeeds =
    {
        "T:System.Object", "M:System.Object.#ctor", "T:System.Void", "T:System.Int32", "M:System.Int32.ToString",
        "T:System.String", "T:System.Char", "M:System.String.Concat(System.String[])",
        "T:System.MulticastDelegate", "T:System.IntPtr", "T:System.IAsyncResult", "T:System.AsyncCallback",
        "M:System.Delegate.Combine(System.Delegate,System.Delegate)", "M:System.Delegate.Remove(System.Delegate,System.Delegate)",
        "M:System.Delegate.op_Inequality(System.Delegate,System.Delegate)",
        "T:System.Collections.ArrayList", "M:System.Collections.ArrayList.#ctor", "M:System.Collections.ArrayList.Add(System.Object)",
        "P:System.Collections.ArrayList.Count", "M:System.Collections.ArrayList.get_Count", "M:System.Collections.ArrayList.GetEnumerator",
        "M:System.Collections.IEnumerator.MoveNext", "P:System.Collections.IEnumerator.Current", "M:System.Collections.IEnumerator.get_Current",
        "M:System.IDisposable.Dispose",
        "T:System.Collections.Hashtable", "M:System.Collections.Hashtable.#ctor", "P:System.Collections.Hashtable.Item(System.Object)",
        "M:System.Collections.Hashtable.get_Item(System.Object)", "M:System.Collections.Hashtable.set_Item(System.Object,System.Object)",
        "T:System.Text.StringBuilder", "M:System.Text.StringBuilder.#ctor", "M:System.Text.StringBuilder.Append(System.String)",
        "M:System.Text.StringBuilder.Append(System.Char)", "M:System.Text.StringBuilder.Append(System.Int32)", "M:System.Text.StringBuilder.ToString",
    };

    /// <summary>The excerpt <see cref="PortableBook"/> is checked against, in api.tsv's format (junk line included).</summary>
    public static string Excerpt(params string[] without) =>
        "some/tool.csproj : warning NU1603: a stray build warning\n"
        + string.Join("\n", PortableBookNeeds.Except(without).Select(id => "mscorlib\t" + id)) + "\n"
        + "mscorlib\tM:System.String.Format(System.String,System.Object[])\n";

    [Fact]
    public void Code_in_the_nanoFramework_style_passes_against_exactly_what_it_needs()
    {
        PortabilityReport report = Check(PortableBook, Excerpt());

        Assert.True(report.IsPortable, report.Format());
        Assert.Contains("portable to nanoFramework 1.x", report.Format(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("M:System.Object.#ctor")]
    [InlineData("T:System.Void")]
    [InlineData("T:System.MulticastDelegate")]
    [InlineData("T:System.IAsyncResult")]
    [InlineData("M:System.Delegate.Combine(System.Delegate,System.Delegate)")]
    [InlineData("M:System.Delegate.op_Inequality(System.Delegate,System.Delegate)")]
    [InlineData("M:System.Collections.ArrayList.get_Count")]
    [InlineData("M:System.Collections.ArrayList.GetEnumerator")]
    [InlineData("M:System.Collections.IEnumerator.MoveNext")]
    [InlineData("M:System.Collections.IEnumerator.get_Current")]
    [InlineData("M:System.IDisposable.Dispose")]
    [InlineData("M:System.Collections.Hashtable.set_Item(System.Object,System.Object)")]
    [InlineData("M:System.Collections.Hashtable.get_Item(System.Object)")]
    [InlineData("M:System.String.Concat(System.String[])")]
    [InlineData("M:System.Int32.ToString")]
    [InlineData("M:System.Text.StringBuilder.Append(System.Char)")]
    public void Every_implicit_and_explicit_use_is_required(string missing)
    {
        PortabilityReport report = Check(PortableBook, Excerpt(missing));

        Assert.False(report.IsPortable);
        Assert.NotEmpty(report.Missing(missing));
        Assert.All(report.Findings, f => Assert.Equal(missing, f.Subject));
    }

    [Fact]
    public void Overriding_the_programs_own_abstract_members_needs_nothing_from_the_listing()
    {
        PortabilityReport report = Check("""
            abstract class Call
            {
                public abstract bool IsFinished { get; }
                public abstract void Hangup(long now);
                public virtual void Tick(long now) { }
            }
            sealed class Outgoing : Call
            {
                private bool _done;
                public override bool IsFinished { get { return _done; } }
                public override void Hangup(long now) { _done = true; }
                public override void Tick(long now) { base.Tick(now); }
            }
            """, Excerpt() + "mscorlib\tT:System.Boolean\nmscorlib\tT:System.Int64\n");

        Assert.True(report.IsPortable, report.Format());
    }

    [Fact]
    public void Statements_require_what_the_compiler_lowers_them_to()
    {
        PortabilityReport report = Check("""
            using System;
            class Failure : Exception
            {
            }
            class C : IDisposable
            {
                public void Dispose() { }
                string M(string s, int n, object gate)
                {
                    lock (gate) { }
                    using (C c = new C()) { }
                    Type t = typeof(C);
                    switch (s) { case "a": return $"{n} x"; }
                    if (s == "b") return $"{s}!";
                    return s + n;
                }
            }
            """, Excerpt());

        string[] expected =
        {
            "T:System.Exception", "M:System.Exception.#ctor", "T:System.IDisposable", "T:System.Type",
            "M:System.Threading.Monitor.Enter(System.Object)", "M:System.Threading.Monitor.Exit(System.Object)",
            "M:System.Type.GetTypeFromHandle(System.RuntimeTypeHandle)",
            "M:System.String.op_Equality(System.String,System.String)", "M:System.String.Concat(System.String,System.String)",
        };
        Assert.Equal(expected.OrderBy(id => id, StringComparer.Ordinal), report.Findings.Select(f => f.Subject).Distinct().OrderBy(id => id, StringComparer.Ordinal));
        Assert.Contains(report.Missing("M:System.String.Concat(System.String,System.String)"), f => f.Line == 14);
        Assert.Contains(report.Missing("M:System.String.Concat(System.String,System.String)"), f => f.Line == 15);
        Assert.Contains(report.Missing("M:System.String.op_Equality(System.String,System.String)"), f => f.Line == 13);
    }

    [Fact]
    public void Generic_collections_are_reported_as_generics_and_as_missing_types()
    {
        PortabilityReport report = Check("""
            using System.Collections.Generic;
            class C
            {
                int M()
                {
                    var list = new List<int>();
                    list.Add(1);
                    return list.Count;
                }
            }
            """, Excerpt());

        Assert.NotEmpty(report.ConstructsOf(Constructs.Generics));
        Assert.Contains(report.ConstructsOf(Constructs.Generics), f => f.Line == 6 && f.Detail.Contains("List<int>", StringComparison.Ordinal));
        Assert.NotEmpty(report.Missing("T:System.Collections.Generic.List`1"));
        Assert.NotEmpty(report.Missing("M:System.Collections.Generic.List`1.Add(`0)"));
        Assert.NotEmpty(report.Missing("N:System.Collections.Generic"));
        string message = report.Format();
        Assert.Contains("type System.Collections.Generic.List`1 is not on nanoFramework", message, StringComparison.Ordinal);
        Assert.Contains("snippet.cs:6", message, StringComparison.Ordinal);
    }

    [Fact]
    public void String_Join_is_reported_with_its_doc_id_and_location()
    {
        PortabilityReport report = Check("""
            class C
            {
                string M(string[] parts)
                {
                    return string.Join(",", parts);
                }
            }
            """, Excerpt());

        PortabilityFinding finding = Assert.Single(report.Of(FindingKind.MissingApi));
        Assert.Equal("M:System.String.Join(System.String,System.String[])", finding.Subject);
        Assert.Equal("snippet.cs:5", finding.Where);
        Assert.Contains("String.Join(String,String[]) is not on nanoFramework; the type has no member of that name there", report.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_overload_suggests_the_listed_overloads_of_the_same_name()
    {
        PortabilityReport report = Check("""
            class C
            {
                string M(object value)
                {
                    return string.Format("{0}", value);
                }
            }
            """, Excerpt());

        Assert.NotEmpty(report.Missing("M:System.String.Format(System.String,System.Object)"));
        Assert.Contains(
            "String.Format(String,Object) is not on nanoFramework; available: M:System.String.Format(System.String,System.Object[])",
            report.Format(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Async_and_await_are_reported()
    {
        PortabilityReport report = Check("""
            using System.Threading.Tasks;
            class C
            {
                async Task<int> M()
                {
                    await Task.Delay(1);
                    return 1;
                }
            }
            """, Excerpt());

        Assert.Contains(report.ConstructsOf(Constructs.Async), f => f.Line == 4);
        Assert.Contains(report.ConstructsOf(Constructs.Async), f => f.Line == 6);
        Assert.NotEmpty(report.Missing("T:System.Threading.Tasks.Task`1"));
    }

    [Fact]
    public void Tuples_are_reported()
    {
        PortabilityReport report = Check("""
            class C
            {
                (int, string) M()
                {
                    var pair = (1, "one");
                    return pair;
                }
            }
            """, Excerpt());

        Assert.Contains(report.ConstructsOf(Constructs.Tuples), f => f.Line == 3);
        Assert.Contains(report.ConstructsOf(Constructs.Tuples), f => f.Line == 5);
    }

    [Fact]
    public void Nullable_value_types_are_reported()
    {
        PortabilityReport report = Check("""
            class C
            {
                int? last;
                int M()
                {
                    return last ?? 0;
                }
            }
            """, Excerpt());

        Assert.Contains(report.ConstructsOf(Constructs.NullableValueTypes), f => f.Line == 3);
        Assert.Empty(report.Missing("T:System.Nullable`1"));
    }

    [Fact]
    public void Linq_query_syntax_and_the_namespace_are_reported()
    {
        PortabilityReport report = Check("""
            using System.Linq;
            class C
            {
                int[] M(int[] values)
                {
                    return (from v in values where v > 1 select v).ToArray();
                }
            }
            """, Excerpt());

        Assert.Contains(report.ConstructsOf(Constructs.Linq), f => f.Line == 1);
        Assert.Contains(report.ConstructsOf(Constructs.Linq), f => f.Line == 6);
    }

    [Fact]
    public void Generic_declarations_iterators_and_other_unsupported_constructs_are_reported()
    {
        PortabilityReport report = Check("""
            using System.Collections;
            class Box<T>
            {
                static void Swap<U>(ref U a, ref U b) { U t = a; a = b; b = t; }
                IEnumerable Items() { yield return 1; }
                object Anonymous() { return new { A = 1 }; }
                int[,] Grid() { return new int[2, 2]; }
                dynamic Late() { return null; }
            }
            """, Excerpt());

        Assert.Contains(report.ConstructsOf(Constructs.Generics), f => f.Line == 2);
        Assert.Contains(report.ConstructsOf(Constructs.Generics), f => f.Line == 4);
        Assert.Contains(report.ConstructsOf(Constructs.Iterators), f => f.Line == 5);
        Assert.Contains(report.ConstructsOf(Constructs.AnonymousTypes), f => f.Line == 6);
        Assert.Contains(report.ConstructsOf(Constructs.MultidimensionalArrays), f => f.Line == 7);
        Assert.Contains(report.ConstructsOf(Constructs.Dynamic), f => f.Line == 8);
    }

    [Fact]
    public void Unsafe_code_and_stackalloc_are_reported()
    {
        PortabilityReport report = Check("""
            class C
            {
                unsafe int M()
                {
                    int* p = stackalloc int[4];
                    return *p;
                }
            }
            """, Excerpt());

        Assert.Contains(report.ConstructsOf(Constructs.Unsafe), f => f.Line == 3);
        Assert.Contains(report.ConstructsOf(Constructs.StackallocSpan), f => f.Line == 5);
        Assert.Contains(report.Of(FindingKind.CompilationError), f => f.Subject == "CS0227");
    }

    [Fact]
    public void Code_beyond_CSharp_7_3_is_a_compilation_error()
    {
        PortabilityReport report = Check("""
            record Point(int X, int Y);
            class C
            {
                string M(object o) => o switch { int i => "int", _ => "other" };
            }
            """, Excerpt());

        Assert.NotEmpty(report.Of(FindingKind.CompilationError));
        Assert.NotEmpty(report.ConstructsOf(Constructs.Records));
        Assert.Contains("Compilation errors under C# 7.3", report.Format(), StringComparison.Ordinal);
        Assert.Contains(report.Of(FindingKind.CompilationError), f => f.Line == 4);
    }

    [Fact]
    public void Local_functions_are_allowed()
    {
        PortabilityReport report = Check("""
            class C
            {
                int M(int x)
                {
                    int Twice(int y) { return y * 2; }
                    return Twice(x);
                }
            }
            """, Excerpt());

        Assert.True(report.IsPortable, report.Format());
    }

    [Fact]
    public void The_report_is_one_message_grouped_by_kind()
    {
        PortabilityReport report = Check("""
            using System.Collections.Generic;
            class C
            {
                List<int> items;
                int? maybe;
                string M(object o) { return string.Format("{0}", o) + Missing; }
            }
            """, Excerpt());

        string message = report.Format();
        int errors = message.IndexOf("Compilation errors under C# 7.3 (1):", StringComparison.Ordinal);
        int constructs = message.IndexOf("Constructs nanoFramework 1.x cannot run", StringComparison.Ordinal);
        int apis = message.IndexOf("APIs not on nanoFramework 1.x", StringComparison.Ordinal);
        Assert.True(errors >= 0 && constructs > errors && apis > constructs, message);
        Assert.Contains("snippet.cs:6: CS0103:", message, StringComparison.Ordinal);
        Assert.Contains("  generics - ", message, StringComparison.Ordinal);
        Assert.Contains("    snippet.cs:4  System.Collections.Generic.List<int>", message, StringComparison.Ordinal);
        Assert.Contains("M:System.String.Format(System.String,System.Object)  at snippet.cs:6", message, StringComparison.Ordinal);
    }

    private static PortabilityReport Check(string code, string excerpt) =>
        new PortabilityChecker(NanoFrameworkApi.Parse(excerpt)).Check(PortabilitySources.FromText("snippet", ("snippet.cs", code)));
}
