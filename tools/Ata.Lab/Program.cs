namespace Ata.Lab;

internal static class Program
{
    private static Task<int> Main(string[] args) => LabCommand.RunAsync(args, Console.Out, Console.Error);
}
