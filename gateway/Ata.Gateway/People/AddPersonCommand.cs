using Ata.Gateway.Access;

namespace Ata.Gateway.People;

/// <summary>
/// <c>Ata.Gateway add-person NAME [--role admin|support] [settings…]</c>: adds a person to the
/// gateway's store (the same data directory and key ring as the gateway, from the same settings),
/// with the password read from the first line of standard input, so it is in no command line or
/// shell history. The way to make the first admin; later ones are added on the people page.
/// </summary>
public static class AddPersonCommand
{
    /// <summary>The command's verb.</summary>
    public const string Verb = "add-person";

    /// <summary>Runs the command; its exit code.</summary>
    /// <param name="args">What follows the verb: the name, <c>--role</c>, then the gateway's usual settings.</param>
    /// <param name="input">Where the password is read.</param>
    /// <param name="output">Where success is said.</param>
    /// <param name="error">Where problems are said.</param>
    public static int Run(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length == 0 || !PeopleDirectory.IsValidName(args[0]) || args[0].StartsWith('-'))
        {
            error.WriteLine($"usage: Ata.Gateway {Verb} NAME [--role admin|support] [--Gateway:DataDirectory=…]   (the password is read from standard input)");
            return 2;
        }

        var name = args[0];
        var role = Roles.Admin;
        var rest = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--role" && i + 1 < args.Length)
            {
                role = args[++i];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        if (!Roles.IsRole(role))
        {
            error.WriteLine($"The role is '{Roles.Admin}' or '{Roles.Support}'.");
            return 2;
        }

        var password = input.ReadLine() ?? string.Empty;
        if (PeopleDirectory.PasswordProblem(password) is { } problem)
        {
            error.WriteLine(problem);
            return 2;
        }

        var builder = WebApplication.CreateBuilder([.. rest]);
        builder.Logging.ClearProviders();
        if (!builder.TryAddGateway())
        {
            return 1;
        }

        using var app = builder.Build();
        if (!app.Services.GetRequiredService<PeopleDirectory>().Create(name, role, password, "command line"))
        {
            error.WriteLine($"There is a person '{name}' already.");
            return 1;
        }

        output.WriteLine($"Added {name} ({role}); they sign in at /login with that password.");
        return 0;
    }
}
