namespace Ata.Sim; internal static class Program { private static int Main() => 0; }
