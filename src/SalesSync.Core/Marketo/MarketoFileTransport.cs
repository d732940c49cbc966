using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using SalesSync.Core.Http;

namespace SalesSync.Core.Marketo;

/// <summary>How one download attempt of an export file ended.</summary>
internal enum FileDownloadOutcome
{
    /// <summary>The file is whole on disk.</summary>
    Complete,

    /// <summary>The connection ended early; what arrived is saved and the next attempt continues from there.</summary>
    Interrupted,

    /// <summary>404: the job has no file (not completed yet, unknown, or expired after 7 days).</summary>
    NotAvailable,
}

/// <summary>The outcome, the bytes on disk afterwards and the size the server gave for the whole file.</summary>
internal sealed record FileDownloadResult(FileDownloadOutcome Outcome, long BytesOnDisk, long? TotalSize, string? Problem = null);

/// <summary>
/// Streams export files straight to disk with plain HttpClient: RestSharp buffers whole bodies, and a
/// file of hundreds of megabytes must neither sit in memory nor be lost when the connection drops.
/// Redirects are not followed, so the bearer token never goes to another host.
/// </summary>
internal sealed class MarketoFileTransport(Uri baseUri, TimeSpan timeout, MarketoClient owner) : IDisposable
{
    private const int BufferSize = 81920;

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None, // byte ranges count bytes as stored
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        BaseAddress = UriPolicy.Normalize(baseUri),
        Timeout = Timeout.InfiniteTimeSpan, // per read below: a large file may take longer than any one timeout
    };

    public async Task<FileDownloadResult> DownloadAsync(string path, string accessToken, FileStream file, string operation, CancellationToken ct)
    {
        var offset = file.Length;
        using var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.UserAgent.ParseAdd("SalesSync/" + typeof(MarketoFileTransport).Assembly.GetName().Version?.ToString(3));
        if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);

        using var response = await SendAsync(request, operation, ct).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        Diagnostics.EngineObserver.Current.Verbose(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{MarketoClient.ServiceName}: {operation}{(offset > 0 ? $" from byte {offset:N0}" : "")} -> HTTP {status}"));
        var total = response.Content.Headers.ContentRange?.Length;
        switch (status)
        {
            case 404:
                return new FileDownloadResult(FileDownloadOutcome.NotAvailable, offset, null);
            case 416:
                // Nothing after our offset: complete when the server's size is exactly what we hold.
                if (total == offset) return new FileDownloadResult(FileDownloadOutcome.Complete, offset, total);
                file.SetLength(0);
                return new FileDownloadResult(FileDownloadOutcome.Interrupted, 0, total, "the saved part was longer than the file; starting over");
            case 200 or 206:
                break;
            default:
                throw new SalesSyncApiException(MarketoClient.ServiceName, $"HTTP {status}", $"{operation}: HTTP {status} {response.ReasonPhrase}".TrimEnd(),
                    MarketoErrorClassifier.ClassifyHttp(status))
                {
                    RetryAfter = RetryAfterHeader.From(response.Headers.Concat(response.Content.Headers)
                        .Select(h => new KeyValuePair<string, string?>(h.Key, string.Join(",", h.Value))), DateTimeOffset.UtcNow),
                };
        }
        if (IsJson(response))
        {
            // Errors (an expired token, a spent quota) come as Marketo's JSON envelope, never as file bytes.
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            MarketoResponse? envelope = null;
            try { envelope = MarketoResponse.Parse(body); }
            catch (JsonException) { }
            if (envelope is not null) owner.Succeeded(envelope, operation);
            throw new SalesSyncApiException(MarketoClient.ServiceName, "BAD_RESPONSE", $"{operation}: a JSON answer where the export file was expected", ApiFailureKind.Transient);
        }

        long start = 0;
        if (status == 206)
        {
            start = response.Content.Headers.ContentRange?.From ?? -1;
            if (start != offset)
            {
                file.SetLength(0);
                return new FileDownloadResult(FileDownloadOutcome.Interrupted, 0, total, $"the server sent bytes from {start}, not {offset}; starting over");
            }
        }
        else
        {
            total = response.Content.Headers.ContentLength;
        }
        file.SetLength(start); // a 200 is the whole file: what we held is replaced
        file.Position = start;

        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await CopyWithIdleTimeoutAsync(body, file, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return new FileDownloadResult(FileDownloadOutcome.Interrupted, file.Length, total, Innermost(e));
        }
        await file.FlushAsync(ct).ConfigureAwait(false);
        if (total is { } size && file.Length < size)
            return new FileDownloadResult(FileDownloadOutcome.Interrupted, file.Length, total, "the response ended before the whole file arrived");
        return new FileDownloadResult(FileDownloadOutcome.Complete, file.Length, total ?? file.Length);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string operation, CancellationToken ct)
    {
        using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        headersTimeout.CancelAfter(timeout);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SalesSyncApiException(MarketoClient.ServiceName, "TIMEOUT", $"{operation}: the call timed out", ApiFailureKind.Transient);
        }
        catch (HttpRequestException e)
        {
            throw new SalesSyncApiException(MarketoClient.ServiceName, "NETWORK", $"{operation}: {Innermost(e)}", ApiFailureKind.Transient, e);
        }
    }

    /// <summary>Copies until the end; a read that brings nothing for the whole timeout ends the attempt.</summary>
    private async Task CopyWithIdleTimeoutAsync(Stream source, Stream destination, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        while (true)
        {
            idle.CancelAfter(timeout);
            var read = await source.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
            if (read == 0) return;
            await destination.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
        }
    }

    private static bool IsJson(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType is { } type && type.Contains("json", StringComparison.OrdinalIgnoreCase);

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message;
    }

    public void Dispose() => _http.Dispose();
}
