using System.Security.Cryptography;
using System.Text;
using Ata.Gateway.Access;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Identity;
using System.Data.Common;
using OtpNet;

namespace Ata.Gateway.People;

/// <summary>A person who signs in to the dashboard (never their password or second factor).</summary>
/// <param name="Name">Their sign-in name.</param>
/// <param name="Role">A <see cref="Roles"/> name.</param>
/// <param name="TotpEnabled">Whether sign-in also asks for a code from their authenticator app.</param>
/// <param name="CreatedAt">When the account was made.</param>
/// <param name="CreatedBy">Who made it.</param>
public sealed record PersonView(string Name, string Role, bool TotpEnabled, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>A person's API token (the token itself is shown once, when made).</summary>
/// <param name="Id">Its id, for revoking it.</param>
/// <param name="Person">Whose it is.</param>
/// <param name="Label">What it is for, in its owner's words.</param>
/// <param name="CreatedAt">When it was made.</param>
public sealed record PersonTokenView(string Id, string Person, string Label, DateTimeOffset CreatedAt);

/// <summary>A token just made: shown once, never again.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Label">What it is for.</param>
/// <param name="Token">The token, sent as <c>Authorization: Bearer …</c>.</param>
public sealed record CreatedToken(string Id, string Label, string Token);

/// <summary>A second factor being set up: the secret for the person's authenticator app, until a code confirms it.</summary>
/// <param name="Secret">The shared secret, base32 (RFC 4648), as apps take it typed in.</param>
/// <param name="Uri">The same as an <c>otpauth://totp/</c> URI, as apps take it from a QR code.</param>
public sealed record TotpEnrolment(string Secret, string Uri);

/// <summary>What checking a person's sign-in found.</summary>
public enum SignInCheck
{
    /// <summary>Name, password and (when they have one) code are right.</summary>
    Accepted,

    /// <summary>The name or password is wrong (which of them is never said).</summary>
    Refused,

    /// <summary>The password is right and the account asks for an authenticator code, which was not given.</summary>
    CodeNeeded,

    /// <summary>The password is right but the authenticator code is wrong (or was used already).</summary>
    WrongCode,
}

/// <summary>
/// Named people who sign in to the dashboard: passwords hashed with ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> (PBKDF2), an optional TOTP second factor per person
/// (RFC 6238, 30 s steps, a code accepted once; the secret encrypted at rest with the store's
/// <see cref="SecretBox"/>), and personal API tokens, kept as SHA-256 hashes, that their owner or an
/// admin can revoke. Tables <c>people</c> and <c>person_tokens</c> (<see cref="CreateSchema"/>).
/// </summary>
public sealed class PeopleDirectory(AdapterStore store, SecretBox secrets, DashboardSessions sessions, TimeProvider time)
{
    /// <summary>Shortest password.</summary>
    public const int MinPasswordLength = 12;

    /// <summary>Longest password.</summary>
    public const int MaxPasswordLength = 256;

    /// <summary>The prefix of a personal API token (keys made by an admin start <c>ata_</c>).</summary>
    public const string TokenPrefix = "atp_";

    /// <summary>The issuer an authenticator app shows next to the code.</summary>
    public const string TotpIssuer = "ATA fleet";

    private static readonly PasswordHasher<string> Hasher = new();

    // Checked when the name is unknown, so that an unknown name takes as long as a wrong password.
    private static readonly string UnknownPersonHash = Hasher.HashPassword(string.Empty, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

    /// <summary>Creates the people's tables (called from the store's schema set-up).</summary>
    /// <param name="connection">An open store connection, inside the schema transaction.</param>
    public static void CreateSchema(DbConnection connection)
    {
        StoreDatabase.Execute(connection, StoreSql.Tables(StoreDatabase.DialectOf(connection),
            """
            CREATE TABLE IF NOT EXISTS people (
                name TEXT PRIMARY KEY NOT NULL,
                role TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                totp_secret TEXT,
                totp_pending TEXT,
                totp_last_step INTEGER,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                language TEXT
            ) STRICT;
            CREATE TABLE IF NOT EXISTS person_tokens (
                id TEXT PRIMARY KEY NOT NULL,
                person TEXT NOT NULL REFERENCES people (name) ON DELETE CASCADE,
                label TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            ) STRICT;
            """));

        // A store made before people had a language: add it, empty (the browser's language applies).
        if (!StoreDatabase.HasColumn(connection, "people", "language"))
        {
            StoreDatabase.Execute(connection, "ALTER TABLE people ADD COLUMN language TEXT");
        }
    }

    /// <summary>Whether <paramref name="name"/> can be a person's sign-in name: 1 to 64 characters, no spaces or control characters.</summary>
    /// <param name="name">The name.</param>
    public static bool IsValidName(string? name) => name is { Length: > 0 and <= 64 } && !name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));

    /// <summary>Why <paramref name="password"/> cannot be a password, or null when it can.</summary>
    /// <param name="password">The password.</param>
    public static string? PasswordProblem(string? password) =>
        password is null || password.Length < MinPasswordLength || password.Length > MaxPasswordLength || password.Any(char.IsControl)
            ? Localization.SupportText.Get("Api.PasswordInvalid", MinPasswordLength, MaxPasswordLength)
            : null;

    /// <summary>Makes a person; false when the name is taken.</summary>
    /// <param name="name">A valid name (<see cref="IsValidName"/>).</param>
    /// <param name="role">A role.</param>
    /// <param name="password">A valid password (<see cref="PasswordProblem"/>).</param>
    /// <param name="createdBy">Who made them.</param>
    public bool Create(string name, string role, string password, string createdBy)
    {
        using var connection = store.Open();
        return StoreDatabase.Execute(connection,
            """
            INSERT INTO people (name, role, password_hash, created_at, created_by) VALUES (@name, @role, @hash, @now, @by)
            ON CONFLICT (name) DO NOTHING
            """,
            ("@name", name), ("@role", role), ("@hash", Hasher.HashPassword(name, password)), ("@now", store.Now()), ("@by", createdBy)) > 0;
    }

    /// <summary>Removes a person with their tokens, and ends their dashboard sessions.</summary>
    /// <param name="name">Their name.</param>
    public bool Delete(string name) => StoreDatabase.RunAgainOnConflict(() => DeleteOnce(name));

    private bool DeleteOnce(string name)
    {
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        StoreDatabase.Execute(connection, "DELETE FROM person_tokens WHERE person = @name", ("@name", name));
        var deleted = StoreDatabase.Execute(connection, "DELETE FROM people WHERE name = @name", ("@name", name)) > 0;
        transaction.Commit();
        if (deleted)
        {
            sessions.EndSessionsOf(name);
        }

        return deleted;
    }

    /// <summary>Sets a person's password; their other sessions end (a password changed after a leak closes what the leak opened).</summary>
    /// <param name="name">Their name.</param>
    /// <param name="password">A valid password.</param>
    public bool SetPassword(string name, string password)
    {
        using var connection = store.Open();
        var changed = StoreDatabase.Execute(connection, "UPDATE people SET password_hash = @hash WHERE name = @name",
            ("@name", name), ("@hash", Hasher.HashPassword(name, password))) > 0;
        if (changed)
        {
            sessions.EndSessionsOf(name);
        }

        return changed;
    }

    /// <summary>
    /// Sets the language a person reads the dashboard and the texts for support in
    /// (<see cref="Localization.Languages.Supported"/>), or null for their browser's.
    /// </summary>
    /// <param name="name">Their name.</param>
    /// <param name="language">A supported language, or null.</param>
    /// <returns>False when there is no such person.</returns>
    public bool SetLanguage(string name, string? language)
    {
        using var connection = store.Open();
        return StoreDatabase.Execute(connection, "UPDATE people SET language = @language WHERE name = @name", ("@name", name), ("@language", language)) > 0;
    }

    /// <summary>The language a person chose, or null when they read their browser's.</summary>
    /// <param name="name">Their name.</param>
    public string? Language(string name)
    {
        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection, "SELECT language FROM people WHERE name = @name", ("@name", name));
        return command.ExecuteScalar() as string;
    }

    /// <summary>Everyone, by name.</summary>
    public IReadOnlyList<PersonView> List() => Query(null);

    /// <summary>One person, or null.</summary>
    /// <param name="name">Their name.</param>
    public PersonView? Find(string name) => Query(name).SingleOrDefault();

    /// <summary>Whether <paramref name="name"/> is a person with <paramref name="role"/> (a dashboard session's check on every request).</summary>
    /// <param name="name">Their name.</param>
    /// <param name="role">The role their session was signed in with.</param>
    public bool IsActive(string name, string role) => Find(name)?.Role == role;

    /// <summary>
    /// Checks a sign-in: the password against its hash (rehashed when the hasher's settings grew
    /// stronger) and, when the person has a second factor, the code, which is then used up.
    /// </summary>
    /// <param name="name">The name given.</param>
    /// <param name="password">The password given.</param>
    /// <param name="code">The authenticator code given, or empty.</param>
    /// <param name="role">The person's role when accepted.</param>
    public SignInCheck Check(string name, string password, string? code, out string role)
    {
        ArgumentNullException.ThrowIfNull(password);
        role = string.Empty;
        string? hash = null;
        string? totp = null;
        long? lastStep = null;
        using var connection = store.Open();
        using (var command = StoreDatabase.Command(connection, "SELECT role, password_hash, totp_secret, totp_last_step FROM people WHERE name = @name", ("@name", name)))
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                role = reader.GetString(0);
                hash = reader.GetString(1);
                totp = reader.IsDBNull(2) ? null : reader.GetString(2);
                lastStep = reader.IsDBNull(3) ? null : reader.GetInt64(3);
            }
        }

        var verdict = Hasher.VerifyHashedPassword(name, hash ?? UnknownPersonHash, password);
        if (hash is null || verdict == PasswordVerificationResult.Failed)
        {
            role = string.Empty;
            return SignInCheck.Refused;
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            StoreDatabase.Execute(connection, "UPDATE people SET password_hash = @hash WHERE name = @name", ("@name", name), ("@hash", Hasher.HashPassword(name, password)));
        }

        if (totp is null)
        {
            return SignInCheck.Accepted;
        }

        if (string.IsNullOrWhiteSpace(code))
        {
            return SignInCheck.CodeNeeded;
        }

        // A code is used once: a step at or before the last one accepted is refused (RFC 6238 section 5.2).
        if (!Verify(secrets.Unprotect(totp), code, out var step) || step <= (lastStep ?? long.MinValue)
            || StoreDatabase.Execute(connection, "UPDATE people SET totp_last_step = @step WHERE name = @name AND (totp_last_step IS NULL OR totp_last_step < @step)",
                ("@name", name), ("@step", step)) == 0)
        {
            return SignInCheck.WrongCode;
        }

        return SignInCheck.Accepted;
    }

    /// <summary>Starts setting up a second factor: a new secret, not asked for at sign-in until <see cref="ConfirmTotp"/>.</summary>
    /// <param name="name">The person.</param>
    /// <returns>The secret for their app; null when there is no such person.</returns>
    public TotpEnrolment? StartTotp(string name)
    {
        var secret = Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20)).TrimEnd('=');
        using var connection = store.Open();
        if (StoreDatabase.Execute(connection, "UPDATE people SET totp_pending = @secret WHERE name = @name", ("@name", name), ("@secret", secrets.Protect(secret))) == 0)
        {
            return null;
        }

        var label = Uri.EscapeDataString($"{TotpIssuer}:{name}");
        return new TotpEnrolment(secret, $"otpauth://totp/{label}?secret={secret}&issuer={Uri.EscapeDataString(TotpIssuer)}&algorithm=SHA1&digits=6&period=30");
    }

    /// <summary>Turns on the second factor being set up, when <paramref name="code"/> is its current code.</summary>
    /// <param name="name">The person.</param>
    /// <param name="code">A code from their app.</param>
    public bool ConfirmTotp(string name, string code)
    {
        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection, "SELECT totp_pending FROM people WHERE name = @name", ("@name", name));
        if (command.ExecuteScalar() is not string pending || !Verify(secrets.Unprotect(pending), code, out var step))
        {
            return false;
        }

        return StoreDatabase.Execute(connection,
            "UPDATE people SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = @step WHERE name = @name AND totp_pending = @pending",
            ("@name", name), ("@pending", pending), ("@step", step)) > 0;
    }

    /// <summary>Turns a person's second factor off (an admin's help after a lost phone).</summary>
    /// <param name="name">The person.</param>
    public bool RemoveTotp(string name)
    {
        using var connection = store.Open();
        return StoreDatabase.Execute(connection, "UPDATE people SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL WHERE name = @name", ("@name", name)) > 0;
    }

    /// <summary>Makes a personal API token; null when there is no such person.</summary>
    /// <param name="person">Whose.</param>
    /// <param name="label">What it is for.</param>
    public CreatedToken? CreateToken(string person, string label)
    {
        var token = TokenPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        using var connection = store.Open();
        var added = StoreDatabase.Execute(connection,
            """
            INSERT INTO person_tokens (id, person, label, token_hash, created_at)
            SELECT @id, name, @label, @hash, @now FROM people WHERE name = @person
            """,
            ("@id", id), ("@person", person), ("@label", label), ("@hash", Hash(token)), ("@now", store.Now()));
        return added > 0 ? new CreatedToken(id, label, token) : null;
    }

    /// <summary>A person's tokens (without the tokens).</summary>
    /// <param name="person">Whose.</param>
    public IReadOnlyList<PersonTokenView> ListTokens(string person)
    {
        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection,
            "SELECT id, person, label, created_at FROM person_tokens WHERE person = @person ORDER BY created_at, id", ("@person", person));
        using var reader = command.ExecuteReader();
        var tokens = new List<PersonTokenView>();
        while (reader.Read())
        {
            tokens.Add(new PersonTokenView(reader.GetString(0), reader.GetString(1), reader.GetString(2), AdapterStore.ParseTime(reader.GetString(3))));
        }

        return tokens;
    }

    /// <summary>Revokes one of a person's tokens: it stops working on the next request.</summary>
    /// <param name="person">Whose.</param>
    /// <param name="id">The token's id.</param>
    public bool RevokeToken(string person, string id)
    {
        using var connection = store.Open();
        return StoreDatabase.Execute(connection, "DELETE FROM person_tokens WHERE person = @person AND id = @id", ("@person", person), ("@id", id)) > 0;
    }

    /// <summary>Finds whose token <paramref name="token"/> is.</summary>
    /// <param name="token">A presented token.</param>
    /// <param name="name">Its owner.</param>
    /// <param name="role">Their role now.</param>
    public bool TryAuthenticateToken(string token, out string name, out string role)
    {
        ArgumentNullException.ThrowIfNull(token);
        name = string.Empty;
        role = string.Empty;
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 256)
        {
            return false;
        }

        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection,
            "SELECT p.name, p.role FROM person_tokens t JOIN people p ON p.name = t.person WHERE t.token_hash = @hash", ("@hash", Hash(token)));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return false;
        }

        (name, role) = (reader.GetString(0), reader.GetString(1));
        return true;
    }

    private bool Verify(string secret, string code, out long step)
    {
        step = 0;
        code = code.Replace(" ", string.Empty, StringComparison.Ordinal);
        return code.Length == 6 && code.All(char.IsAsciiDigit)
            && new Totp(Base32Encoding.ToBytes(secret)).VerifyTotp(time.GetUtcNow().UtcDateTime, code, out step, VerificationWindow.RfcSpecifiedNetworkDelay);
    }

    private List<PersonView> Query(string? name)
    {
        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection,
            $"SELECT name, role, totp_secret IS NOT NULL, created_at, created_by FROM people {(name is null ? string.Empty : "WHERE name = @name")} ORDER BY name",
            ("@name", name));
        using var reader = command.ExecuteReader();
        var people = new List<PersonView>();
        while (reader.Read())
        {
            people.Add(new PersonView(reader.GetString(0), reader.GetString(1), reader.GetFlag(2), AdapterStore.ParseTime(reader.GetString(3)), reader.GetString(4)));
        }

        return people;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
