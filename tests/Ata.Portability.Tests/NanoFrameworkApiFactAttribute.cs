namespace Ata.Portability.Tests;

/// <summary>
/// A fact that needs the real nanoFramework API listing (<c>../shared/nanoframework-api/api.tsv</c>):
/// it is reported as skipped, with the reason, when the listing is absent.
/// </summary>
public sealed class NanoFrameworkApiFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the listing cannot be found.</summary>
    public NanoFrameworkApiFactAttribute()
    {
        string? reason = RepositoryLayout.MissingApiListingReason;
        if (reason != null)
        {
            Skip = reason;
        }
    }
}
