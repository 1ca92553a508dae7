using System.Runtime.Versioning;

// The benchmarks run on Linux only (/proc, libc, Debian's servers); the linked RabbitCluster sets a Unix file mode.
[assembly: SupportedOSPlatform("linux")]
