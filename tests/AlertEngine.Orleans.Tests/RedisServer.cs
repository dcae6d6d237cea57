using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// A Debian <c>redis-server</c> started for the tests on a free loopback port, in a temporary directory, without
/// persistence to disk (the server process outlives the Orleans clusters of a test: that is the durability tested),
/// stopped and deleted on dispose. <see cref="TryStartAsync"/> returns null when no <c>redis-server</c> is on the PATH
/// (CI installs it: .ci/run). Thread-safe.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RedisServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Endpoint = "127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>host:port, for StackExchange.Redis.</summary>
    public string Endpoint { get; }

    /// <summary>The redis-server executable on the PATH, or null.</summary>
    public static string? Executable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);

    public static async Task<RedisServer?> TryStartAsync()
    {
        if (Executable is not { } executable)
        {
            return null;
        }

        var directory = Directory.CreateTempSubdirectory("alertengine-redis-").FullName;
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, directory, port);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException) when (attempt < 100 && !process.HasExited)
            {
                await Task.Delay(100);
            }
            catch
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"redis-server did not start on port {port}.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
