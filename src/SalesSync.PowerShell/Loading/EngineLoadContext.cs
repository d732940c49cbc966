using System.Reflection;
using System.Runtime.Loader;

namespace SalesSync.PowerShell.Loading;

/// <summary>
/// The module's own AssemblyLoadContext: the engine (SalesSync.Core) and the libraries it ships with
/// (RestSharp, Polly, LiteDB, ...) load here from the Dependencies folder, so SalesSync imports beside
/// modules that load other versions of them into the default context, and does not break them either.
/// Framework assemblies (the runtime's trusted platform assemblies) and PowerShell's own always come
/// from the default context, so types shared with PowerShell keep one identity.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    public const string EngineAssemblyName = "SalesSync.Core";

    private static readonly HashSet<string> PlatformAssemblies = ReadPlatformAssemblies();
    private readonly string _folder;

    private EngineLoadContext(string folder) : base("SalesSync", isCollectible: false) => _folder = folder;

    /// <summary>The one context of this process (a load context is never unloaded; importing again reuses it).</summary>
    public static EngineLoadContext Instance { get; } = new(Path.Combine(
        Path.GetDirectoryName(typeof(EngineLoadContext).Assembly.Location) ?? AppContext.BaseDirectory, "Dependencies"));

    public string Folder => _folder;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;
        if (name is null || PlatformAssemblies.Contains(name) || name.StartsWith("System.Management.Automation", StringComparison.Ordinal)) return null;
        var path = Path.Combine(_folder, name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>
    /// Native libraries of the engine's packages (SkiaSharp and HarfBuzz, for the report's charts) from
    /// Dependencies/runtimes/&lt;rid&gt;/native/, as the .NET host would find them for an application; null lets the
    /// runtime search its usual places.
    /// </summary>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var rid in NativeRuntimes())
        {
            foreach (var file in NativeFileNames(unmanagedDllName))
            {
                var path = Path.Combine(_folder, "runtimes", rid, "native", file);
                if (File.Exists(path)) return LoadUnmanagedDllFromPath(path);
            }
        }
        return IntPtr.Zero;
    }

    /// <summary>This process's runtime identifiers, the runtime's own first (linux-musl-x64 on Alpine), then the portable one (osx holds universal libraries).</summary>
    private static IEnumerable<string> NativeRuntimes()
    {
        var arch = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        yield return System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        if (OperatingSystem.IsWindows()) yield return $"win-{arch}";
        else if (OperatingSystem.IsMacOS()) { yield return $"osx-{arch}"; yield return "osx"; }
        else yield return $"linux-{arch}"; // a musl system names linux-musl-<arch> itself, first; never guess musl on glibc
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        var extension = OperatingSystem.IsWindows() ? ".dll" : OperatingSystem.IsMacOS() ? ".dylib" : ".so";
        yield return name;
        yield return name + extension;
        if (!OperatingSystem.IsWindows() && !name.StartsWith("lib", StringComparison.Ordinal)) yield return "lib" + name + extension;
    }

    /// <summary>Answers the default context's question for the engine assembly only; everything else it resolves itself.</summary>
    internal static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssemblyName ? Instance.LoadFromAssemblyName(name) : null;

    private static HashSet<string> ReadPlatformAssemblies()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
            foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                names.Add(Path.GetFileNameWithoutExtension(path));
        return names;
    }
}
