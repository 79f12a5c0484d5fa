import Logging
import MPTCPWire
import MPTCPModel
import MPTCPKernel
import Synchronization

/// Collector `netstat`: every MPTcpExt counter of `<procfs>/net/netstat`, the
/// TCP counters of `<procfs>/net/snmp` and `TcpExt` they are read against, and
/// the Case-diagram info series.
public final class NetstatCollector: Collector {
    public let name = "netstat"
    private let reader: NamespaceReader
    private let logger: Logger?
    /// The parse problems last logged, so the same ones are not logged at every scrape.
    private let lastIssues = Mutex<[NetstatParseIssue]>([])

    /// - Parameters:
    ///   - reader: the namespace's reader (whose `net` directory has the files).
    ///   - logger: where parse problems are logged, once each time they change.
    public init(reader: NamespaceReader, logger: Logger? = nil) {
        self.reader = reader
        self.logger = logger
    }

    /// Over `<procfs>/net` (`--path.procfs`, `/proc` by default).
    public convenience init(procfs: String = "/proc", logger: Logger? = nil) {
        self.init(reader: NamespaceReader(procfs: procfs), logger: logger)
    }

    /// Reads both files: the I/O half of the collector.
    public func readTable() throws -> NetstatTable {
        let files: (netstat: [UInt8], snmp: [UInt8])
        do {
            files = try reader.counterFiles()
        } catch {
            throw CollectorError("\(error)")
        }
        // Only what the families use: the other sections and names are skipped.
        let selection = CounterFamilies.selection
        return NetstatParser.parse(files.netstat, selecting: selection).merging(NetstatParser.parse(files.snmp, selecting: selection))
    }

    public func collect() throws -> [MetricFamily] {
        let table = try readTable()
        let changed = lastIssues.withLock { last -> Bool in
            defer { last = table.issues }
            return last != table.issues
        }
        if changed {
            for issue in table.issues.prefix(20) {
                logger?.warning("unreadable part of /proc/net/netstat or snmp", metadata: ["issue": "\(issue)"])
            }
        }
        var families = CounterFamilies.families(from: table)
        families.append(MetricFamily(
            name: "mptcp_exporter_netstat_parse_issues",
            help: "Problems found in the last read of /proc/net/netstat and /proc/net/snmp (header and value lines that disagree, values that are not numbers); the rest of the file is still exported. See the exporter's log.",
            type: .gauge, value: .unsigned(UInt64(table.issues.count))))
        return families
    }
}
