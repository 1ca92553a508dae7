namespace Ata.Gateway.Localization;

/// <summary>
/// The dashboard's own words (headings, buttons, labels, the messages its scripts show), in
/// <c>DashboardText.resx</c> (English) and <c>DashboardText.{nb,da,sv,fi}.resx</c>; the pages ask for
/// them in their reader's language at <c>GET /api/strings</c>.
/// </summary>
public sealed class DashboardText
{
    private DashboardText()
    {
    }
}
