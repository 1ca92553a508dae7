using System.Reflection;

[assembly: AssemblyTitle("Ata.Device")]
[assembly: AssemblyDescription("The analog telephone adapter's firmware for the ata-ref-1 board")]
[assembly: AssemblyProduct("Ata")]
[assembly: AssemblyVersion("0.1.0.0")]
