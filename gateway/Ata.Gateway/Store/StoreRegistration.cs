using System.Security.Cryptography.X509Certificates;
using Ata.Gateway.Broker;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Store;

/// <summary>Registers the store (SQLite by default, or PostgreSQL: <see cref="StoreOptions"/>).</summary>
public static class StoreRegistration
{
    /// <summary>
    /// Adds <see cref="GatewayOptions"/>, Data Protection with its key ring in the data directory
    /// (encrypted with the certificate of <see cref="KeyRingOptions"/> when one is configured), and
    /// the <see cref="StoreDatabase"/> that <see cref="StoreOptions"/> names, the <see cref="AdapterStore"/> in it with its change feed's watcher (<see cref="Dashboard.FleetEvents"/>).
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

        var gateway = builder.Configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
        if (string.IsNullOrWhiteSpace(gateway.DataDirectory))
        {
            gateway.DataDirectory = new GatewayOptions().DataDirectory;
        }

        var keys = Path.Combine(gateway.FullDataDirectory, SecretBox.KeyRingFolder);
        PrivateFile.EnsureDirectory(Path.GetDirectoryName(keys)!);
        PrivateFile.EnsureDirectory(keys);
        var dataProtection = builder.Services.AddDataProtection()
            .SetApplicationName("Ata.Gateway")
            .PersistKeysToFileSystem(new DirectoryInfo(keys));

        // The key ring is encrypted with Gateway:KeyRing's certificate when there is one. A certificate
        // that cannot be used is reported by KeyRingValidation (the Gateway options are validated at
        // start) as one line and stops the gateway; here it only keeps keys from being written unencrypted.
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, KeyRingValidation>();
        IReadOnlyList<X509Certificate2> certificates = [];
        try
        {
            certificates = KeyRingCertificates.LoadAll(gateway);
            if (certificates.Count > 0)
            {
                dataProtection.ProtectKeysWithCertificate(certificates[0]);
                dataProtection.UnprotectKeysWithAnyCertificate([.. certificates.Skip(1)]);
            }
            else
            {
                builder.Services.Configure<KeyManagementOptions>(options => options.XmlEncryptor = new UnencryptedKeyRing());
            }
        }
        catch (KeyRingException unusable)
        {
            builder.Services.Configure<KeyManagementOptions>(options => options.XmlEncryptor = new UnusableKeyRingCertificate(unusable.Message));
        }

        builder.Services.AddSingleton(new KeyRingCertificates(certificates));
        builder.Services.AddHostedService<KeyRingStatus>();
        builder.Services.AddSingleton<SecretBox>();
        builder.Services.AddSingleton(services => StoreDatabase.Create(
            services.GetRequiredService<IOptions<GatewayOptions>>().Value,
            builder.Configuration.GetSection(StoreOptions.SectionName).Get<StoreOptions>() ?? new StoreOptions(),
            builder.Configuration.GetConnectionString("Gateway")));
        builder.Services.AddSingleton(services => new AdapterStore(
            services.GetRequiredService<StoreDatabase>(), services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<SecretBox>(), services.GetService<Incidents.IncidentBook>()));
        builder.Services.AddSingleton<Dashboard.FleetEvents>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Dashboard.FleetEvents>());
        return builder;
    }
}
