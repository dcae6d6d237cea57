using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace AlertEngine.Notifications.Smtp.Tests;

/// <summary>A received email: the envelope recipients and the parsed message.</summary>
internal sealed record ReceivedMail(IReadOnlyList<string> EnvelopeTo, MimeMessage Message);

/// <summary>A real SMTP server (the SmtpServer package) in-process on 127.0.0.1 and a free port.</summary>
internal sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    private SmtpTestServer(int port, Store store, Func<string, string, bool>? authenticate)
    {
        Port = port;
        Received = store.Received;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(b =>
            {
                b.Endpoint(new IPEndPoint(IPAddress.Loopback, port)).SessionTimeout(TimeSpan.FromSeconds(10));
                if (authenticate is not null)
                {
                    b.AuthenticationRequired().AllowUnsecureAuthentication();
                }
            })
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(store);
        if (authenticate is not null)
        {
            services.Add(new DelegatingUserAuthenticator(authenticate));
        }

        var server = new SmtpServer.SmtpServer(options, services);
        _running = server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    public ConcurrentQueue<ReceivedMail> Received { get; }

    /// <summary>Starts a server. <paramref name="respond"/> answers each message (1-based count) — OK by default.</summary>
    public static async Task<SmtpTestServer> StartAsync(int? port = null, Func<int, SmtpResponse>? respond = null, Func<string, string, bool>? authenticate = null)
    {
        var server = new SmtpTestServer(port ?? FreePort(), new Store(respond ?? (_ => SmtpResponse.Ok)), authenticate);
        await WaitUntilListeningAsync(server.Port);
        return server;
    }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static async Task WaitUntilListeningAsync(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }

        throw new InvalidOperationException($"The test SMTP server did not start listening on port {port}.");
    }

    private sealed class Store(Func<int, SmtpResponse> respond) : MessageStore
    {
        private int _count;

        public ConcurrentQueue<ReceivedMail> Received { get; } = new();

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var response = respond(Interlocked.Increment(ref _count));
            if (response.ReplyCode != SmtpReplyCode.Ok)
            {
                return response;
            }

            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            Received.Enqueue(new ReceivedMail([.. transaction.To.Select(m => m.User + "@" + m.Host)], message));
            return response;
        }
    }
}

/// <summary>A TCP server on 127.0.0.1 that accepts each connection and closes it at once, counting them.</summary>
internal sealed class DroppingServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    public DroppingServer(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = port;
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    client.Client.LingerState = new LingerOption(true, 0);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        });
    }

    public int Port { get; }

    public int Connections => Volatile.Read(ref _connections);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
