using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ata.Portability.Tests;

/// <summary>
/// The portability check compiles the way <c>Ata.Device.nfproj</c> builds: its settings are read from the
/// project (never written twice), a setting the check does not model is refused, and the mscorlib it
/// compiles against is the real one at the version the project references.
/// </summary>
public sealed class NfprojBuildTests
{
    private const string Header = """<Project ToolsVersion="15.0" DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">""";

    private const string PartlyDocumented = """
        namespace Probe
        {
            /// <summary>A documented type.</summary>
            public static class Digest
            {
                /// <summary>Half the parameters are documented.</summary>
                /// <param name="user">The user.</param>
                public static string Answer(string user, string password) { return user + password; }
            }
        }
        """;

    /// <summary>What the product's policy says the board build is, as the reader finds it in the project.</summary>
    [Fact]
    public void The_device_project_builds_as_CSharp_7_3_with_DEBUG_TRACE_a_documentation_file_and_warnings_as_errors()
    {
        BuildSettings settings = NfprojReader.Read(DeviceBuild.ProjectPath, "Debug");

        Assert.Equal(LanguageVersion.CSharp7_3, settings.LanguageVersion);
        Assert.Equal(new[] { "DEBUG", "TRACE" }, settings.PreprocessorSymbols);
        Assert.True(settings.TreatWarningsAsErrors);
        Assert.NotNull(settings.DocumentationFile);
        Assert.Equal(NullableContextOptions.Disable, settings.Nullable);
        Assert.Equal(OutputKind.ConsoleApplication, settings.OutputKind);
        Assert.Equal(new[] { "TRACE" }, NfprojReader.Read(DeviceBuild.ProjectPath, "Release").PreprocessorSymbols);
    }

    /// <summary>The sources the check compiles are parsed and compiled with exactly the project's settings.</summary>
    [NanoFrameworkApiFact]
    public void The_check_compiles_the_device_with_the_settings_read_from_its_nfproj()
    {
        BuildSettings fromProject = NfprojReader.Read(DeviceBuild.ProjectPath, DeviceBuild.Configuration);
        PortabilitySources device = DeviceBuild.Device();

        Assert.Equal(fromProject, device.Settings);
        Assert.All(device.Trees, tree => Assert.Equal(fromProject.ParseOptions, tree.Options));
        Assert.Equal(fromProject.AsLibrary(), DeviceBuild.Core().Settings);
        Assert.Equal(DocumentationMode.Diagnose, ((CSharpParseOptions)device.Trees[0].Options).DocumentationMode);
    }

    /// <summary>A property the check does not know how to apply makes the reader fail, naming it.</summary>
    [Theory]
    [InlineData("<Deterministic>false</Deterministic>", "Deterministic")]
    [InlineData("<GenerateDocumentationFile>true</GenerateDocumentationFile>", "GenerateDocumentationFile")]
    [InlineData("<Features>strict</Features>", "Features")]
    public void A_setting_the_check_does_not_model_is_refused(string property, string name)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Parse(Project("<PropertyGroup>" + property + "</PropertyGroup>")));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Without the project system here, a project that leaves DefineConstants to it is refused.</summary>
    [Fact]
    public void A_project_that_leaves_DefineConstants_to_the_project_system_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Parse(Header + "<PropertyGroup><LangVersion>7.3</LangVersion></PropertyGroup></Project>"));

        Assert.Contains("DefineConstants is not set for Debug", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Targets and imports that would be evaluated are refused: what they set is not read.</summary>
    [Fact]
    public void A_target_or_an_import_that_applies_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => Parse(Project("<Target Name=\"BeforeBuild\" />")));
        Assert.Throws<InvalidOperationException>(() => Parse(Project("<Import Project=\"$(MSBuildProjectDirectory)\" />")));
        Parse(Project("<Import Project=\"$(NanoFrameworkProjectSystemPath)NFProjectSystem.props\" Condition=\"Exists('$(NanoFrameworkProjectSystemPath)NFProjectSystem.props')\" />"));
    }

    /// <summary>Configuration is global, as in MSBuild: the project's own default does not override it, and conditions pick the groups.</summary>
    [Fact]
    public void Property_groups_are_chosen_by_configuration_as_MSBuild_does()
    {
        string text = Header + """
              <PropertyGroup>
                <Configuration Condition=" '$(Configuration)' == '' ">Debug</Configuration>
                <LangVersion>7.3</LangVersion>
                <DocumentationFile>bin\$(Configuration)\Probe.xml</DocumentationFile>
              </PropertyGroup>
              <PropertyGroup Condition=" '$(Configuration)|$(Platform)' == 'Release|AnyCPU' ">
                <DefineConstants>TRACE</DefineConstants>
                <Optimize>true</Optimize>
              </PropertyGroup>
              <PropertyGroup Condition=" '$(Configuration)' != 'Release' ">
                <DefineConstants>DEBUG;TRACE</DefineConstants>
              </PropertyGroup>
            </Project>
            """;

        BuildSettings release = Parse(text, "Release");
        BuildSettings debug = Parse(text, "Debug");

        Assert.Equal(new[] { "TRACE" }, release.PreprocessorSymbols);
        Assert.True(release.Optimize);
        Assert.Equal(@"bin\Release\Probe.xml", release.DocumentationFile);
        Assert.Equal(new[] { "DEBUG", "TRACE" }, debug.PreprocessorSymbols);
        Assert.False(debug.Optimize);
    }

    /// <summary>With the project's settings, a public method with some param tags missing fails as it does on the board build (CS1573); with none, it passes.</summary>
    [Fact]
    public void Missing_param_tags_fail_the_check_when_the_project_writes_documentation_and_treats_warnings_as_errors()
    {
        BuildSettings settings = Parse(Project(string.Empty));

        PortabilityReport strict = Check(PartlyDocumented, settings);
        PortabilityReport lax = Check(PartlyDocumented, BuildSettings.Default);

        Assert.Contains(strict.Of(FindingKind.CompilationError), f => f.Subject == "CS1573" && f.Line == 8);
        Assert.DoesNotContain(lax.Findings, f => f.Subject == "CS1573");
    }

    /// <summary>Each setting reaches the compiler: nullable enabled under C# 7.3 is an error, NoWarn silences, a symbol selects code.</summary>
    [Fact]
    public void Nullable_NoWarn_and_symbols_from_the_project_reach_the_compiler()
    {
        const string Code = """
            namespace Probe
            {
                /// <summary>A type.</summary>
                public static class C
                {
            #if DEBUG
                    /// <summary>Only in Debug.</summary>
                    public static int OnlyInDebug() { return 1; }
            #endif
                    /// <summary>Half documented.</summary>
                    /// <param name="a">A.</param>
                    public static int M(int a, int b) { return OnlyInDebug() + a + b; }
                }
            }
            """;

        PortabilityReport nullable = Check(Code, Parse(Project("<PropertyGroup><Nullable>enable</Nullable></PropertyGroup>")));
        PortabilityReport silenced = Check(Code, Parse(Project("<PropertyGroup><NoWarn>1573</NoWarn></PropertyGroup>")));
        PortabilityReport release = Check(Code, Parse(Project(string.Empty), "Release"));

        Assert.Contains(nullable.Of(FindingKind.CompilationError), f => f.Subject == "CS8630");
        Assert.Empty(silenced.Of(FindingKind.CompilationError));
        Assert.Contains(release.Of(FindingKind.CompilationError), f => f.Subject == "CS0103");
    }

    /// <summary>The mscorlib compiled against is nanoFramework.CoreLibrary at the version the nfproj's hint path and packages.config name.</summary>
    [Fact]
    public void The_check_compiles_against_the_mscorlib_the_nfproj_references()
    {
        AssemblyReference mscorlib = NfprojReader.Read(DeviceBuild.ProjectPath, DeviceBuild.Configuration).References.Single(r => r.Name == "mscorlib");
        string pinned = (string)XDocument.Load(Path.Combine(DeviceBuild.DeviceDirectory, "packages.config"))
            .Descendants("package").Single(p => (string?)p.Attribute("id") == "nanoFramework.CoreLibrary").Attribute("version")!;

        Assert.Equal(pinned, NanoFrameworkCoreLibrary.Version);
        Assert.Equal(@"packages\nanoFramework.CoreLibrary." + pinned + @"\lib\mscorlib.dll", mscorlib.HintPath);
        Assert.True(File.Exists(NanoFrameworkCoreLibrary.Path), NanoFrameworkCoreLibrary.Path);
        var corlib = (IAssemblySymbol)CSharpCompilation.Create("probe", references: new[] { NanoFrameworkCoreLibrary.Reference })
            .GetAssemblyOrModuleSymbol(NanoFrameworkCoreLibrary.Reference)!;
        Assert.Equal("mscorlib", corlib.Name);
        Assert.Null(corlib.GetTypeByMetadataName("System.Collections.Generic.List`1"));
    }

    /// <summary>
    /// The listing's mscorlib part is exactly the real assembly's public and protected API: what the
    /// symbol check looks up for mscorlib and what the compiler binds to cannot disagree.
    /// </summary>
    [NanoFrameworkApiFact]
    public void The_listing_names_exactly_the_public_API_of_the_real_mscorlib()
    {
        NanoFrameworkApi api = NanoFrameworkApi.Load(RepositoryLayout.ApiListingPath!);
        var corlib = (IAssemblySymbol)CSharpCompilation.Create("probe", references: new[] { NanoFrameworkCoreLibrary.Reference })
            .GetAssemblyOrModuleSymbol(NanoFrameworkCoreLibrary.Reference)!;
        var real = new SortedSet<string>(StringComparer.Ordinal);
        Collect(corlib.GlobalNamespace, real);
        var listed = new SortedSet<string>(api.Ids.Where(id => api.AssemblyOf(id) == "mscorlib"), StringComparer.Ordinal);

        Assert.Empty(listed.Except(real));
        Assert.Empty(real.Except(listed));
    }

    private static void Collect(INamespaceOrTypeSymbol container, SortedSet<string> ids)
    {
        foreach (ISymbol member in container.GetMembers())
        {
            if (member is INamespaceSymbol ns)
            {
                Collect(ns, ids);
            }
            else if (member is INamedTypeSymbol type && Visible(type))
            {
                ids.Add(type.GetDocumentationCommentId()!);
                foreach (ISymbol inner in type.GetMembers().Where(Visible))
                {
                    if (inner.GetDocumentationCommentId() is { } id)
                    {
                        ids.Add(id);
                    }
                }

                Collect(type, ids);
            }
        }
    }

    private static bool Visible(ISymbol symbol)
    {
        for (ISymbol? s = symbol; s != null && s is not INamespaceSymbol; s = s.ContainingSymbol)
        {
            if (s.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }

    private static string Project(string body) => Header + """
          <PropertyGroup>
            <OutputType>Library</OutputType>
            <LangVersion>7.3</LangVersion>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <DocumentationFile>bin\$(Configuration)\Probe.xml</DocumentationFile>
          </PropertyGroup>
          <PropertyGroup Condition=" '$(Configuration)' == 'Debug' "><DefineConstants>DEBUG;TRACE</DefineConstants></PropertyGroup>
          <PropertyGroup Condition=" '$(Configuration)' == 'Release' "><DefineConstants>TRACE</DefineConstants></PropertyGroup>
        """ + body + "</Project>";

    private static BuildSettings Parse(string text, string configuration = "Debug") =>
        NfprojReader.Parse(XDocument.Parse(text), Path.GetTempPath(), "Probe", configuration);

    private static PortabilityReport Check(string code, BuildSettings settings) =>
        new PortabilityChecker(NanoFrameworkApi.Parse(string.Empty))
            .Check(PortabilitySources.FromText("snippet", PortabilitySources.DotNetReferences, settings, ("snippet.cs", code)));
}
