using Ata.Gateway.Broker;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ata.Gateway.Store;

/// <summary>Registers the SQLite store.</summary>
public static class StoreRegistration
{
    /// <summary>
    /// Adds <see cref="GatewayOptions"/>, Data Protection with its key ring in the data directory,
    /// and the <see cref="AdapterStore"/>.
    /// </summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddAdapterStore(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), "Gateway:DataDirectory must not be empty.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);

        var dataDirectory = builder.Configuration[$"{GatewayOptions.SectionName}:{nameof(GatewayOptions.DataDirectory)}"];
        var keys = Path.Combine(Path.GetFullPath(string.IsNullOrWhiteSpace(dataDirectory) ? new GatewayOptions().DataDirectory : dataDirectory), SecretBox.KeyRingFolder);
        PrivateFile.EnsureDirectory(Path.GetDirectoryName(keys)!);
        PrivateFile.EnsureDirectory(keys);
        builder.Services.AddDataProtection()
            .SetApplicationName("Ata.Gateway")
            .PersistKeysToFileSystem(new DirectoryInfo(keys));
        builder.Services.AddSingleton<SecretBox>();
        builder.Services.AddSingleton<AdapterStore>();
        return builder;
    }
}
