namespace Ata.Portability.Tests;

/// <summary>The checker against the real nanoFramework listing (skipped where the shared folder is absent).</summary>
public sealed class RealApiListingTests
{
    private static readonly Lazy<NanoFrameworkApi> Api = new(() => NanoFrameworkApi.Load(RepositoryLayout.ApiListingPath!));

    [NanoFrameworkApiFact]
    public void The_listing_parses_and_skips_the_stray_warning_lines()
    {
        Assert.True(Api.Value.Count > 4000);
        Assert.True(Api.Value.Contains("M:System.String.Split(System.Char[])"));
        Assert.Equal("nanoFramework.System.Collections", Api.Value.AssemblyOf("T:System.Collections.Hashtable"));
        Assert.False(Api.Value.Contains("T:System.Collections.Generic.List`1"));
    }

    [NanoFrameworkApiFact]
    public void Code_in_the_nanoFramework_style_passes()
    {
        PortabilityReport report = Check(PortabilityCheckerTests.PortableBook);

        Assert.True(report.IsPortable, report.Format());
        Assert.Equal(new[] { "mscorlib", "nanoFramework.System.Collections", "nanoFramework.System.Text" }, report.UsedAssemblies);
    }

    [NanoFrameworkApiFact]
    public void Split_on_one_char_binds_an_overload_nanoFramework_lacks()
    {
        PortabilityReport report = Check("""
            class C
            {
                string[] Fields(string line) { return line.Split(','); }
                string[] Portable(string line) { return line.Split(new char[] { ',' }); }
            }
            """);

        PortabilityFinding finding = Assert.Single(report.Findings);
        Assert.Equal("M:System.String.Split(System.Char,System.StringSplitOptions)", finding.Subject);
        Assert.Contains("available: M:System.String.Split(System.Char[]), M:System.String.Split(System.Char[],System.Int32)", report.Format(), StringComparison.Ordinal);
    }

    [NanoFrameworkApiFact]
    public void Math_StringComparison_and_static_char_helpers_are_absent()
    {
        PortabilityReport report = Check("""
            using System;
            class C
            {
                int Clamp(int x) { return Math.Max(0, x); }
                bool Same(string a, string b) { return string.Equals(a, b, StringComparison.OrdinalIgnoreCase); }
                char Lower(char c) { return char.ToLower(c); }
            }
            """);

        Assert.NotEmpty(report.Missing("T:System.Math"));
        Assert.NotEmpty(report.Missing("T:System.StringComparison"));
        Assert.NotEmpty(report.Missing("M:System.Char.ToLower(System.Char)"));
    }

    [NanoFrameworkApiFact]
    public void A_property_that_is_a_field_on_nanoFramework_is_accepted()
    {
        PortabilityReport report = Check("""
            using System.Collections;
            class C
            {
                int Sum(Hashtable table)
                {
                    int sum = 0;
                    foreach (DictionaryEntry entry in table)
                    {
                        sum += (int)entry.Value + ((string)entry.Key).Length;
                    }

                    return sum;
                }
            }
            """);

        Assert.True(report.IsPortable, report.Format());
    }

    [NanoFrameworkApiFact]
    public void Overrides_declared_at_another_level_are_accepted()
    {
        PortabilityReport report = Check("""
            class C
            {
                bool Same(int a, object b) { return a.Equals(b); }
                public override string ToString() { return "C"; }
                public override bool Equals(object obj) { return base.Equals(obj); }
                public override int GetHashCode() { return 1; }
            }
            """);

        Assert.True(report.IsPortable, report.Format());
    }

    private static PortabilityReport Check(string code) =>
        new PortabilityChecker(Api.Value).Check(PortabilitySources.FromText("snippet", ("snippet.cs", code)));
}
