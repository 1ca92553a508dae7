namespace Ata.Portability.Tests;

/// <summary>
/// The two patterns nanoFramework's interpreter runs differently from .NET (<see cref="InterpreterHazards"/>):
/// each test shows the bad pattern caught at its line, or the good ones accepted.
/// </summary>
public sealed partial class PortabilityCheckerTests
{
    /// <summary>The core's helper, as in <c>firmware/Ata.Core/Arrays.cs</c>.</summary>
    private const string ArraysHelper = """
        namespace Ata.Core
        {
            public static class Arrays
            {
                public static string[] Strings(int length) { return (string[])StoreNulls(new string[length]); }
                public static object[] StoreNulls(object[] array) { for (int i = 0; i < array.Length; i++) { array[i] = null; } return array; }
            }
        }
        """;

    private const string Keypad = """
        public static class Keypad
        {
            public static readonly int[] Rows = { 697, 770, 852, 941 };
            public static int[] Columns { get; } = { 1209, 1336, 1477, 1633 };
            public const int Count = 4;
        }
        """;

    [Theory]
    [InlineData("static readonly int[] Coefficients = Build();\n static int[] Build() { return new int[] { Keypad.Rows[0] }; }", "uses Keypad.Rows (through Detector.Build)")]
    [InlineData("static readonly int First = Keypad.Rows[0];", "uses Keypad.Rows")]
    [InlineData("static Detector() { Table = Keypad.Rows; }\n static readonly int[] Table;", "uses Keypad.Rows")]
    [InlineData("static readonly int High = Keypad.Columns[0];", "uses Keypad.Columns")]
    [InlineData("static readonly Filter Shared = new Filter();", "uses Keypad.Rows (through Filter.ctor)")]
    [InlineData("static readonly int Sum = Filter.Total();", "uses Keypad.Rows (through Filter.Total)")]
    public void Static_initialization_that_uses_another_initialized_types_statics_is_refused(string members, string detail)
    {
        IReadOnlyList<PortabilityFinding> found = Hazards(Constructs.StaticInitializationOrder, "class Detector\n{\n " + members + "\n}\n" + Keypad + """
            class Filter
            {
                private readonly int _row = Keypad.Rows[0];
                public static int Total() { return Keypad.Rows[0] + Keypad.Rows[1]; }
            }
            """);

        PortabilityFinding finding = Assert.Single(found);
        Assert.Equal(3, finding.Line);
        Assert.Contains(detail, finding.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("static readonly int[] Limits = { Keypad.Count, (int)Pattern.Slow };", "constants and enum members are folded by the compiler")]
    [InlineData("static readonly int[] Own = { 1, 2 };\n static readonly int First = Own[0];", "the type's own statics run in textual order, as on .NET")]
    [InlineData("static readonly int Now = Counter.Value;", "a type without static initialization has its default values on both runtimes")]
    [InlineData("static readonly string Empty = string.Empty;", "referenced assemblies start before the application")]
    [InlineData("static readonly Read First = () => Keypad.Rows[0];", "a lambda runs later")]
    [InlineData("static int[] table;\n static int[] Table() { if (table == null) { table = new int[] { Keypad.Rows[0] }; } return table; }", "built on first use")]
    [InlineData("private readonly int[] _rows = new int[] { Keypad.Rows[0] };", "an instance field initializer runs when an instance is made")]
    public void Static_initialization_without_another_types_initialized_statics_is_accepted(string members, string why)
    {
        IReadOnlyList<PortabilityFinding> found = Hazards(Constructs.StaticInitializationOrder, "class Detector\n{\n " + members + "\n}\n" + Keypad + """
            class Counter { public static int Value; }
            enum Pattern { Off, Slow }
            delegate int Read();
            """);

        Assert.True(found.Count == 0, why + ": " + string.Join("; ", found));
    }

    [Theory]
    [InlineData("read at once", "string[] names = new string[n];\n return names[0] == \"a\";")]
    [InlineData("written for some elements only", "string[] names = new string[n];\n for (int i = 0; i < n; i++) { if (i > 1) { names[i] = \"a\"; } }\n return names[0] == null;")]
    [InlineData("read before written in the loop", "string[] names = new string[n];\n for (int i = 0; i < n; i++) { if (names[i] == null) { names[i] = \"a\"; } }\n return true;")]
    [InlineData("the loop stops short", "string[] names = new string[n];\n for (int i = 0; i < n - 1; i++) { names[i] = \"a\"; }\n return names[n - 1] == null;")]
    [InlineData("the loop skips an element", "string[] names = new string[n];\n for (int i = 0; i < n; i++) { if (i == 0) { continue; } names[i] = \"a\"; }\n return names[0] == null;")]
    [InlineData("handed to a method that may read it", "object[] items = new object[n];\n Fill(items);\n return items[0] == null;")]
    [InlineData("a jagged array", "int[][] rows = new int[n][];\n return rows[0] == null;")]
    [InlineData("passed on at once", "return Count(new Line[n]) > 0;")]
    public void A_fresh_array_of_references_read_before_it_is_filled_is_refused(string pattern, string body)
    {
        IReadOnlyList<PortabilityFinding> found = Hazards(Constructs.FreshReferenceArray, Method(body));

        PortabilityFinding finding = Assert.Single(found);
        Assert.True(finding.Line == 7, pattern);
    }

    [Fact]
    public void A_field_initialized_with_a_fresh_array_of_references_is_refused()
    {
        IReadOnlyList<PortabilityFinding> found = Hazards(Constructs.FreshReferenceArray, """
            class Panel
            {
                private readonly string[] _names = new string[4];
                private readonly int[] _counts = new int[4];
                public bool IsNamed(int i) { return _names[i] != null && _counts[i] > 0; }
            }
            """);

        Assert.Equal("new string[4]", Assert.Single(found).Detail);
    }

    [Theory]
    [InlineData("string[] names = Arrays.Strings(n);")]
    [InlineData("Line[] lines = (Line[])Arrays.StoreNulls(new Line[n]);")]
    [InlineData("Line[] lines = new Line[n];\n Arrays.StoreNulls(lines);")]
    [InlineData("string[] names = new string[n];\n for (int i = 0; i < names.Length; i++) { names[i] = \"line \" + i; }")]
    [InlineData("string[] names = new string[n];\n for (int i = 0; i < n; ++i)\n names[i] = null;")]
    [InlineData("Line[] lines = new Line[n];\n string[] names = new string[n];\n for (int i = 0; i < n; i++) { int number = i + 1; lines[i] = new Line(number); names[i] = lines[i].Name; }")]
    [InlineData("object[] copy = new object[list.Count];\n list.CopyTo(copy, 0);")]
    [InlineData("object[] copy = new object[list.Count];\n Array.Copy(list.ToArray(), copy, list.Count);")]
    [InlineData("string[] none = new string[0];\n int[] counts = new int[n];\n Pattern[] patterns = new Pattern[n];\n string[] named = new string[] { \"a\" };")]
    public void Arrays_of_references_filled_before_they_are_read_are_accepted(string body)
    {
        IReadOnlyList<PortabilityFinding> found = Hazards(Constructs.FreshReferenceArray, Method(body + "\n return true;"));

        Assert.True(found.Count == 0, string.Join("; ", found));
    }

    [Fact]
    public void Fields_filled_in_the_constructor_right_after_they_are_made_are_accepted()
    {
        IReadOnlyList<PortabilityFinding> found = Hazards(Constructs.FreshReferenceArray, """
            class Lines
            {
                private readonly Line[] _lines;
                private readonly string[] _names;
                public Lines(int n)
                {
                    _lines = new Line[n];
                    _names = new string[n];
                    for (int i = 0; i < n; i++)
                    {
                        _lines[i] = new Line(i);
                        _names[i] = _lines[i].Name;
                    }
                }
            }
            class Line { public Line(int number) { Name = number.ToString(); } public string Name; }
            """);

        Assert.True(found.Count == 0, string.Join("; ", found));
    }

    /// <summary>A method with <paramref name="body"/>, whose first statement is on line 7.</summary>
    private static string Method(string body) => """
        using System;
        using System.Collections;
        using Ata.Core;
        class Probe
        {
            bool M(int n, ArrayList list) {
        """ + "\n " + body + "\n }\n" + """
            static void Fill(object[] items) { }
            static int Count(Line[] lines) { return lines.Length; }
        }
        class Line { public Line(int number) { Name = number.ToString(); } public string Name; }
        enum Pattern { Off }
        """;

    private static IReadOnlyList<PortabilityFinding> Hazards(string construct, string code)
    {
        PortabilityReport report = new PortabilityChecker(NanoFrameworkApi.Parse(Excerpt()))
            .Check(PortabilitySources.FromText("snippet", ("snippet.cs", code), ("Arrays.cs", ArraysHelper)));
        Assert.Empty(report.Of(FindingKind.CompilationError));
        return report.ConstructsOf(construct).Where(f => f.File == "snippet.cs").ToList();
    }
}
