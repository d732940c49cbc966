using System.Globalization;
using SalesSync.Sandbox.Marketo;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>Command-line options of the sandbox (see README.md for each one).</summary>
public sealed class SandboxOptions
{
    public int Port { get; set; }
    public int People { get; set; } = 2000;
    public int Seed { get; set; } = 42;
    public bool LimitsReal { get; set; } = true;
    public double TimeScale { get; set; } = 1.0;
    public int MarketoDailyQuota { get; set; } = 50_000;
    public int MarketoRateLimit { get; set; } = 100;
    public int MarketoRateWindowSeconds { get; set; } = 20;
    public int MarketoConcurrencyLimit { get; set; } = 10;
    public int SalesforceDailyLimit { get; set; } = 100_000;
    public int SalesforceSessionSeconds { get; set; } = 7200;
    public int MarketoTokenSeconds { get; set; } = 3600;
    public string? MarketoClientId { get; set; }
    public string? MarketoClientSecret { get; set; }
    public string? SalesforceClientId { get; set; }
    public string? SalesforceClientSecret { get; set; }
    public string BindAddress { get; set; } = "127.0.0.1";
    public bool ExitOnStdinClose { get; set; }
    /// <summary>Activity endpoints serve some short and some empty pages while moreResult is true (Marketo does).</summary>
    public bool ActivityShortPages { get; set; }
    /// <summary>Every generated person gets web, email, interesting-moment, sales-email and CRM-task activity (off: New Lead history only).</summary>
    public bool FeedActivities { get; set; }
    /// <summary>Activity paging tokens from pagingtoken.json are at least this many characters (0: as short as they come).</summary>
    public int PagingTokenLength { get; set; }
    /// <summary>False (--crm-change-log typed): conversions and owner changes log only Convert Lead 21 / Change Owner 23, no 13.</summary>
    public bool CrmChangesLogDataValues { get; set; } = true;
    /// <summary>Bulk export: sandbox seconds a job spends Processing before its file is written.</summary>
    public double BulkProcessingSeconds { get; set; } = 5;

    /// <summary>Records per second a bulk job processes on top of the fixed time; 0 (default) = the fixed time only.</summary>
    public double BulkRecordsPerSecond { get; set; }
    /// <summary>Bulk export: the job scheduler acts (and status changes) only every this many sandbox seconds (Marketo: 60).</summary>
    public double BulkStatusRefreshSeconds { get; set; } = 60;
    /// <summary>Bulk export: daily file allocation in MB (1 MB = 1,048,576 bytes), reset 00:00 America/Chicago.</summary>
    public int BulkDailyQuotaMegabytes { get; set; } = 500;
    /// <summary>Bulk export filters answered with 1035 at create: "updatedAt" and/or "smartList".</summary>
    public IReadOnlySet<string> BulkUnsupportedFilters { get; set; } = new HashSet<string>();

    /// <summary>Endpoints answer after the time a real instance takes (see <see cref="ResponseTimes"/>); off by default.</summary>
    public bool RealisticResponseTimes { get; set; }

    /// <summary>Years of history the generated people's creation dates span (default: from 2016 on).</summary>
    public double? HistoryYears { get; set; }

    public static SandboxOptions Parse(IReadOnlyList<string> args)
    {
        var o = new SandboxOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Next()
            {
                if (i + 1 >= args.Count) throw new ArgumentException($"Option {name} needs a value.");
                return args[++i];
            }
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            double NextDouble() => double.Parse(Next(), CultureInfo.InvariantCulture);
            switch (name.ToLowerInvariant())
            {
                case "--port": o.Port = NextInt(); break;
                case "--people": o.People = NextInt(); break;
                case "--seed": o.Seed = NextInt(); break;
                case "--limits":
                    var mode = Next().ToLowerInvariant();
                    o.LimitsReal = mode switch
                    {
                        "real" => true,
                        "off" => false,
                        _ => throw new ArgumentException("--limits takes 'real' or 'off'."),
                    };
                    break;
                case "--time-scale": o.TimeScale = NextDouble(); break;
                case "--marketo-daily-quota": o.MarketoDailyQuota = NextInt(); break;
                case "--marketo-rate-limit": o.MarketoRateLimit = NextInt(); break;
                case "--marketo-rate-window": o.MarketoRateWindowSeconds = NextInt(); break;
                case "--marketo-concurrency": o.MarketoConcurrencyLimit = NextInt(); break;
                case "--marketo-token-seconds": o.MarketoTokenSeconds = NextInt(); break;
                case "--salesforce-daily-limit": o.SalesforceDailyLimit = NextInt(); break;
                case "--salesforce-session-seconds": o.SalesforceSessionSeconds = NextInt(); break;
                case "--marketo-client-id": o.MarketoClientId = Next(); break;
                case "--marketo-client-secret": o.MarketoClientSecret = Next(); break;
                case "--salesforce-client-id": o.SalesforceClientId = Next(); break;
                case "--salesforce-client-secret": o.SalesforceClientSecret = Next(); break;
                case "--bind": o.BindAddress = Next(); break;
                case "--exit-on-stdin-close": o.ExitOnStdinClose = true; break;
                case "--activity-short-pages": o.ActivityShortPages = true; break;
                case "--feed-activities": o.FeedActivities = true; break;
                case "--paging-token-length": o.PagingTokenLength = NextInt(); break;
                case "--crm-change-log":
                    o.CrmChangesLogDataValues = Next().ToLowerInvariant() switch
                    {
                        "both" => true,
                        "typed" => false,
                        _ => throw new ArgumentException("--crm-change-log takes 'both' or 'typed'."),
                    };
                    break;
                case "--history-years": o.HistoryYears = NextDouble(); break;
                case "--response-times":
                    o.RealisticResponseTimes = Next().ToLowerInvariant() switch
                    {
                        "realistic" => true,
                        "off" => false,
                        _ => throw new ArgumentException("--response-times takes 'realistic' or 'off'."),
                    };
                    break;
                case "--bulk-processing-seconds": o.BulkProcessingSeconds = NextDouble(); break;
                case "--bulk-records-per-second": o.BulkRecordsPerSecond = NextDouble(); break;
                case "--bulk-status-refresh-seconds": o.BulkStatusRefreshSeconds = NextDouble(); break;
                case "--bulk-daily-quota-mb": o.BulkDailyQuotaMegabytes = NextInt(); break;
                case "--bulk-unsupported-filters": o.BulkUnsupportedFilters = BulkFilterKinds.ParseUnsupported(Next()); break;
                case "--help" or "-h":
                    throw new SandboxHelpRequestedException();
                default:
                    throw new ArgumentException($"Unknown option '{name}'. Use --help.");
            }
        }
        if (o.PagingTokenLength is < 0 or > 100_000) throw new ArgumentException("--paging-token-length must be 0..100000.");
        if (o.People < 0) throw new ArgumentException("--people must be 0 or more.");
        if (o.HistoryYears is <= 0 or > 30) throw new ArgumentException("--history-years must be more than 0 and at most 30.");
        if (o.BulkProcessingSeconds < 0) throw new ArgumentException("--bulk-processing-seconds must be 0 or more.");
        if (o.BulkRecordsPerSecond < 0) throw new ArgumentException("--bulk-records-per-second must be 0 or more.");
        if (!(o.BulkStatusRefreshSeconds >= 0.001)) throw new ArgumentException("--bulk-status-refresh-seconds must be at least 0.001.");
        if (o.BulkDailyQuotaMegabytes < 0) throw new ArgumentException("--bulk-daily-quota-mb must be 0 or more.");
        return o;
    }

    public const string Usage = """
        SalesSync sandbox: local Marketo Engage + Salesforce REST stand-in.
        Options:
          --port P                 Marketo on P, Salesforce on P+1, control on P+2 (default 0: any free ports)
          --people N               generated Marketo persons (default 2000)
          --seed S                 generator seed (default 42)
          --limits real|off        enforce Marketo/Salesforce limits (default real)
          --time-scale F           sandbox clock runs F times faster than wall time (default 1)
          --marketo-daily-quota N  daily call quota (default 50000)
          --marketo-rate-limit N / --marketo-rate-window S / --marketo-concurrency N  (100 / 20 / 10)
          --marketo-token-seconds S, --salesforce-session-seconds S, --salesforce-daily-limit N
          --marketo-client-id, --marketo-client-secret, --salesforce-client-id, --salesforce-client-secret
          --exit-on-stdin-close    stop when standard input closes (for parents that start the sandbox)
          --activity-short-pages   activity endpoints serve some short and some empty pages while moreResult is true
          --feed-activities        generated people also have web, email and interesting-moment activity (the person feed)
          --paging-token-length N  activity paging tokens are at least N characters (long tokens push a GET past 8 KB)
          --crm-change-log MODE    both (default): a conversion/owner change logs 21/23 and 13s; typed: 21/23 only
          --history-years Y        generated people were created over the Y years before 2026-11-01 (default: since 2016-01-01)
          --response-times MODE    realistic: endpoints answer after a real instance's typical time; off (default)
          --bulk-processing-seconds S      bulk export: time a job spends Processing (default 5)
          --bulk-records-per-second R      bulk export: processing also takes records / R seconds (default 0: fixed time only)
          --bulk-status-refresh-seconds S  bulk export: jobs start, finish and change status only this often (default 60)
          --bulk-daily-quota-mb N          bulk export: daily file allocation in MB (default 500)
          --bulk-unsupported-filters LIST  bulk export: filters answered with 1035, of updatedAt,smartList (default none)
        Prints one JSON line with the base URIs and credentials once ready.
        """;
}

public sealed class SandboxHelpRequestedException : Exception;
