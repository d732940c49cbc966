using SalesSync.Core.Report;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Report;

/// <summary>The database's files are found however the report's path names them (second review M2).</summary>
public sealed class ReportTargetTests
{
    [Fact]
    public void TheDatabasesFilesAreFoundThroughASymlinkedFolderAndInAnyCase()
    {
        using var temp = new TempFolder();
        var folder = Directory.CreateDirectory(Path.Combine(temp.Path, "data")).FullName;
        var database = Path.Combine(folder, "sales.db");
        Assert.Equal("the SalesSync database's lock file", ReportTarget.DatabaseFileOf(database, DatabaseFile.LockPath(database)));
        if (!OperatingSystem.IsWindows())
        {
            var link = Path.Combine(temp.Path, "link");
            Directory.CreateSymbolicLink(link, folder);
            Assert.Equal("the SalesSync database's lock file", ReportTarget.DatabaseFileOf(database, Path.Combine(link, Path.GetFileName(DatabaseFile.LockPath(database)))));
            Assert.Equal("the SalesSync database's write-ahead log", ReportTarget.DatabaseFileOf(database, Path.Combine(link, Path.GetFileName(DatabaseFile.LogPath(database)))));
            Assert.Equal("the SalesSync database", ReportTarget.DatabaseFileOf(Path.Combine(link, "sales.db"), database));
        }
        Assert.Equal("the SalesSync database's write-ahead log", ReportTarget.DatabaseFileOf(database, DatabaseFile.LogPath(database).ToUpperInvariant()));
        Assert.Null(ReportTarget.DatabaseFileOf(database, Path.Combine(folder, "sync-health.html")));
    }
}
