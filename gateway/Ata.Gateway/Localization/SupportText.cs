using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Localization;

/// <summary>
/// The texts the gateway writes for people (next steps, fault and incident descriptions, sign-in and
/// API messages), in <c>SupportText.resx</c> (English) and <c>SupportText.{nb,da,sv,fi}.resx</c>.
/// A request's texts are in its culture (the person's language, see
/// <see cref="LocalizationRegistration"/>); reports relayed to the operator's systems are in English.
/// </summary>
public sealed class SupportText
{
    private SupportText()
    {
    }

    /// <summary>
    /// The framework's localizer of these resources, for code that produces texts without a service
    /// provider at hand; it reads the same resources as an injected <c>IStringLocalizer&lt;SupportText&gt;</c>.
    /// </summary>
    public static IStringLocalizer Localizer { get; } =
        new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance).Create(typeof(SupportText));

    /// <summary>The text of <paramref name="key"/> in the current UI culture, with <paramref name="arguments"/> put in.</summary>
    /// <param name="key">A resource key.</param>
    /// <param name="arguments">The values of its placeholders <c>{0}</c>, <c>{1}</c>, …</param>
    public static string Get(string key, params object[] arguments) =>
        arguments.Length == 0 ? Localizer[key].Value : Localizer[key, arguments].Value;

    /// <summary>
    /// Makes the current thread's texts English until disposed: for what goes to the operator's
    /// systems (webhook, e-mail), whoever's request caused it.
    /// </summary>
    public static IDisposable InEnglish() => new CultureScope(CultureInfo.InvariantCulture);

    private sealed class CultureScope : IDisposable
    {
        private readonly CultureInfo _before = CultureInfo.CurrentUICulture;

        public CultureScope(CultureInfo culture) => CultureInfo.CurrentUICulture = culture;

        public void Dispose() => CultureInfo.CurrentUICulture = _before;
    }
}
