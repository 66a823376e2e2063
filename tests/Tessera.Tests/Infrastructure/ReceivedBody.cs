using Tessera.StoreConformance;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// The body of a response as the client reads it, piece by piece, checking every byte against
/// <see cref="BodyPattern"/>.
/// </summary>
internal sealed class ReceivedBody : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];

    private ReceivedBody(HttpResponseMessage response, Stream stream)
    {
        _response = response;
        _stream = stream;
    }

    /// <summary>The response, whose headers have arrived.</summary>
    public HttpResponseMessage Response => _response;

    /// <summary>How many bytes of the body the client has read.</summary>
    public long Received { get; private set; }

    /// <summary>Sends a GET and returns once the response's headers have arrived.</summary>
    public static async Task<ReceivedBody> GetAsync(HttpClient client, string path = "/")
    {
        var response = await Gate.WithinTimeoutAsync(
            client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead),
            "the response's headers to arrive");
        return new ReceivedBody(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>Reads exactly <paramref name="count"/> more bytes, failing if the body ends first or a byte is wrong.</summary>
    public async Task ReadAsync(long count)
    {
        using var timeout = new CancellationTokenSource(Gate.Timeout);
        var end = Received + count;
        while (Received < end)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(0, (int)Math.Min(_buffer.Length, end - Received)), timeout.Token);
            if (read == 0)
            {
                Assert.Fail($"The body ended after {Received} bytes; {end} were expected.");
            }

            Check(read);
        }
    }

    /// <summary>Reads to the end of the body and returns how many bytes that was.</summary>
    public async Task<long> ReadToEndAsync()
    {
        using var timeout = new CancellationTokenSource(Gate.Timeout);
        var start = Received;
        int read;
        while ((read = await _stream.ReadAsync(_buffer, timeout.Token)) > 0)
        {
            Check(read);
        }

        return Received - start;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _response.Dispose();
    }

    private void Check(int read)
    {
        for (var i = 0; i < read; i++)
        {
            if (_buffer[i] != BodyPattern.At(Received + i))
            {
                Assert.Fail($"Byte {Received + i} of the body is {_buffer[i]}; {BodyPattern.At(Received + i)} was expected.");
            }
        }

        Received += read;
    }
}
