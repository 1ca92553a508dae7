using System.Globalization;

namespace Ata.Lab;

/// <summary>One SIP message in sipp's message log (<c>-trace_msg</c>).</summary>
/// <param name="Received">Whether sipp received it (false: sipp sent it).</param>
/// <param name="Text">The message as it went over the wire.</param>
public sealed record SippMessage(bool Received, string Text)
{
    private const string Separator = "-----------------------------------------------";

    /// <summary>When sipp sent or received it (its log's clock, read as local time), or null when the log did not say.</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>The request or status line.</summary>
    public string FirstLine => Text.Split('\n', 2)[0].TrimEnd('\r');

    /// <summary>A response's status code; null for a request.</summary>
    public int? StatusCode => SipProbe.StatusCodeOf(FirstLine);

    /// <summary>A request's method; null for a response.</summary>
    public string? Method => StatusCode is null && FirstLine.Length > 0 ? FirstLine.Split(' ', 2)[0] : null;

    /// <summary>The value of the first header called <paramref name="name"/>, or null.</summary>
    /// <param name="name">The header's name, any case.</param>
    public string? Header(string name)
    {
        foreach (var line in Text.Split('\n').Skip(1).Select(line => line.TrimEnd('\r')).TakeWhile(line => line.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && string.Equals(line[..colon].Trim(), name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    /// <summary>
    /// Reads sipp's message log: blocks that start with a separator line and the time (<see cref="At"/>), then
    /// <c>UDP message sent (n bytes):</c> or <c>UDP message received [n] bytes :</c>, a blank line and the message.
    /// </summary>
    /// <param name="log">The log's text.</param>
    public static IReadOnlyList<SippMessage> ParseLog(string log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var messages = new List<SippMessage>();
        foreach (var block in log.Split(Separator, StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            if (lines.Length < 4)
            {
                continue;
            }

            var direction = lines[1];
            var received = direction.Contains("message received", StringComparison.Ordinal);
            if (!received && !direction.Contains("message sent", StringComparison.Ordinal))
            {
                continue;
            }

            var text = string.Join('\n', lines.Skip(3)).TrimEnd('\n', '\r');
            if (text.Length > 0)
            {
                var stamped = DateTime.TryParseExact(lines[0].Trim(), "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var at);
                messages.Add(new SippMessage(received, text) { At = stamped ? new DateTimeOffset(at) : null });
            }
        }

        return messages;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{(Received ? "received" : "sent")}: {FirstLine}");
}
