using System.Runtime.Versioning;

// The scale tests run Debian's rabbitmq-server: Linux only.
[assembly: SupportedOSPlatform("linux")]
