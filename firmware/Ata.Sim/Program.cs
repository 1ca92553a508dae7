using Ata.Sim;

if (args is ["--led-guide"])
{
    Console.Out.Write(Ata.Core.Leds.LedGuide.Markdown());
    return 0;
}

try
{
    var options = SimOptions.Parse(args);
    if (options.Help)
    {
        Console.Out.WriteLine(SimOptions.Usage);
        return 0;
    }

    using var host = new SimHost(options);
    return host.Run();
}
catch (UsageException e)
{
    Console.Error.WriteLine($"Ata.Sim: {e.Message}. Try --help.");
    return 2;
}
catch (SimStartException e)
{
    Console.Error.WriteLine($"Ata.Sim: {e.Message}");
    return 1;
}
