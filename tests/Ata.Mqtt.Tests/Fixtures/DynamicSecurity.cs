using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ata.Mqtt.Tests.Fixtures;

/// <summary>
/// Writes a configuration for Mosquitto's dynamic-security plugin (shipped in Debian's
/// <c>mosquitto</c> package). Unlike an <c>acl_file</c>, it can refuse a subscription in the SUBACK.
/// Passwords are PBKDF2-SHA512 with 101 iterations, as <c>mosquitto_ctrl dynsec</c> writes them.
/// </summary>
internal static class DynamicSecurity
{
    /// <summary>One client per (user, password, topic filter it may use); everything else is denied.</summary>
    public static string Config(params (string User, string Password, string AllowedFilter)[] clients)
    {
        var document = new
        {
            clients = clients.Select(client =>
            {
                byte[] salt = RandomNumberGenerator.GetBytes(12);
                byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(client.Password), salt, 101, HashAlgorithmName.SHA512, 64);
                return new
                {
                    username = client.User,
                    password = Convert.ToBase64String(hash),
                    salt = Convert.ToBase64String(salt),
                    iterations = 101,
                    roles = new[] { new { rolename = client.User } },
                };
            }),
            roles = clients.Select(client => new
            {
                rolename = client.User,
                acls = new[] { "subscribePattern", "publishClientSend", "publishClientReceive" }
                    .Select(type => new { acltype = type, topic = client.AllowedFilter, allow = true }),
            }),
            groups = Array.Empty<object>(),
            defaultACLAccess = new { publishClientSend = false, publishClientReceive = false, subscribe = false, unsubscribe = true },
        };
        return JsonSerializer.Serialize(document);
    }
}
