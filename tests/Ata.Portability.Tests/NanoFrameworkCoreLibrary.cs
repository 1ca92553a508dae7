using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Ata.Portability.Tests;

/// <summary>
/// nanoFramework's real <c>mscorlib.dll</c>, from the <c>nanoFramework.CoreLibrary</c> package at the
/// version <c>firmware/Ata.Device/packages.config</c> pins. The test project downloads the package
/// (<c>PackageDownload</c>) and copies the assembly to <c>nanoFramework/mscorlib.dll</c> beside the tests.
/// </summary>
public static class NanoFrameworkCoreLibrary
{
    private static readonly Lazy<MetadataReference> Image = new(() => MetadataReference.CreateFromFile(Path));

    /// <summary>The package version the test project was built with.</summary>
    public static string Version => typeof(NanoFrameworkCoreLibrary).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NanoFrameworkCoreLibraryVersion").Value!;

    /// <summary>Where the assembly was copied.</summary>
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "nanoFramework", "mscorlib.dll");

    /// <summary>The assembly as a compilation reference, loaded once per process.</summary>
    public static MetadataReference Reference => Image.Value;
}
