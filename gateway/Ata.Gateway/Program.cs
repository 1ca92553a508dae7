using Ata.Gateway;
using Ata.Gateway.Store;

if (args is [KeyRingCertificateCommand.Verb, .. var verbArgs])
{
    return KeyRingCertificateCommand.Run(verbArgs, Console.Out, Console.Error);
}

if (args is [Ata.Gateway.People.AddPersonCommand.Verb, .. var personArgs])
{
    return Ata.Gateway.People.AddPersonCommand.Run(personArgs, Console.In, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
if (!builder.TryAddGateway())
{
    return 1;
}

var app = builder.Build();
app.MapGateway();

return await app.RunGatewayAsync();
