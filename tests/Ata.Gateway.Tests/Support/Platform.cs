using System.Runtime.Versioning;

// The gateway's tests run a real Mosquitto from Debian's package: Linux only.
[assembly: SupportedOSPlatform("linux")]
