namespace Ata.Portability.Tests;

/// <summary>Where the repository and the shared nanoFramework API listing are, seen from the test binaries.</summary>
public static class RepositoryLayout
{
    private static readonly Lazy<string?> Root = new(() => FindRoot(AppContext.BaseDirectory));

    /// <summary>The repository root (the folder holding <c>Firmware.sln</c>), or null when not found.</summary>
    public static string? RepoRoot => Root.Value;

    /// <summary>Where the API listing is expected: <c>../shared/nanoframework-api/api.tsv</c> from the repository root.</summary>
    public static string ExpectedApiListingPath => Path.GetFullPath(
        Path.Combine(RepoRoot ?? AppContext.BaseDirectory, "..", "shared", "nanoframework-api", "api.tsv"));

    /// <summary>The API listing's path when the file exists, else null.</summary>
    public static string? ApiListingPath => RepoRoot != null && File.Exists(ExpectedApiListingPath) ? ExpectedApiListingPath : null;

    /// <summary>Why the checks that need the listing cannot run, or null when they can.</summary>
    public static string? MissingApiListingReason => RepoRoot == null
        ? "Firmware.sln was not found above " + AppContext.BaseDirectory + ", so the nanoFramework API listing cannot be located"
        : ApiListingPath == null
            ? "the nanoFramework API listing " + ExpectedApiListingPath + " is absent (the shared folder beside the repository is not there), so nanoFramework portability is not checked"
            : null;

    /// <summary>The repository root; throws when the tests do not run from inside the repository.</summary>
    public static string RequireRepoRoot() =>
        RepoRoot ?? throw new InvalidOperationException("Firmware.sln was not found above " + AppContext.BaseDirectory);

    /// <summary>Walks up from <paramref name="start"/> to the first folder containing <c>Firmware.sln</c>.</summary>
    public static string? FindRoot(string start)
    {
        for (DirectoryInfo? dir = new(start); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Firmware.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
