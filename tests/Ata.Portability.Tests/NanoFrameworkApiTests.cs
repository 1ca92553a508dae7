namespace Ata.Portability.Tests;

/// <summary>Reading the listing, naming its IDs, and finding it.</summary>
public sealed class NanoFrameworkApiTests
{
    [Fact]
    public void Lines_without_a_tab_separated_doc_id_are_ignored()
    {
        NanoFrameworkApi api = NanoFrameworkApi.Parse(
            "/tmp/x.csproj : warning NU1603: Microsoft.CodeAnalysis.CSharp 5.12.0 depends on ...\n"
            + "\n"
            + "mscorlib\tnot an id\n"
            + "mscorlib\tM:System.String.Split(System.Char[])\r\n"
            + "mscorlib\tM:System.String.Split(System.Char[],System.Int32)\n"
            + "nanoFramework.System.Collections\tT:System.Collections.Hashtable\n");

        Assert.Equal(3, api.Count);
        Assert.True(api.Contains("M:System.String.Split(System.Char[])"));
        Assert.Equal("nanoFramework.System.Collections", api.AssemblyOf("T:System.Collections.Hashtable"));
        Assert.True(api.HasNamespace("System.Collections"));
        Assert.True(api.HasNamespace("System"));
        Assert.False(api.HasNamespace("System.Linq"));
        Assert.Equal(
            new[] { "M:System.String.Split(System.Char[])", "M:System.String.Split(System.Char[],System.Int32)" },
            api.OverloadsOf("M:System.String.Split(System.Char,System.StringSplitOptions)"));
    }

    [Theory]
    [InlineData("M:System.String.Format(System.String,System.Object)", "String.Format(String,Object)")]
    [InlineData("M:System.Collections.ArrayList.#ctor", "new ArrayList()")]
    [InlineData("M:System.Int32.TryParse(System.String,System.Int32@)", "Int32.TryParse(String,Int32@)")]
    [InlineData("M:System.Object.ToString", "Object.ToString()")]
    [InlineData("P:System.String.Length", "String.Length")]
    [InlineData("M:System.SpanByte.op_Implicit(System.Byte[])~System.SpanByte", "SpanByte.op_Implicit(Byte[]) to SpanByte")]
    [InlineData("T:System.Collections.Generic.List`1", "System.Collections.Generic.List`1")]
    [InlineData("N:System.Linq", "namespace System.Linq")]
    public void Doc_ids_have_a_short_display_form(string id, string display)
    {
        Assert.Equal(display, DocIds.Display(id));
    }

    [Fact]
    public void The_listing_fact_skips_exactly_when_the_listing_is_absent()
    {
        Assert.Equal(RepositoryLayout.MissingApiListingReason, new NanoFrameworkApiFactAttribute().Skip);
        Assert.NotNull(RepositoryLayout.RepoRoot);
        Assert.Null(RepositoryLayout.FindRoot(Path.GetTempPath()));
    }
}
