namespace Ata.Lab; internal static class Program { private static int Main() => 0; }
