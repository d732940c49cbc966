using System.Text.Encodings.Web;
using System.Text.Json;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>JSON as the real services send it: UTF-8 text, not \u escapes for every non-ASCII character.</summary>
public static class SandboxJson
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
