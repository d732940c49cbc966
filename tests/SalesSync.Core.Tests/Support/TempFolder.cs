namespace SalesSync.Core.Tests.Support;

/// <summary>A fresh folder for one test, deleted with everything in it when disposed.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "salessync-core-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        // The shared parent goes too once the last test folder is gone (it fails harmlessly while others remain).
        try { Directory.Delete(System.IO.Path.GetDirectoryName(Path)!); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
