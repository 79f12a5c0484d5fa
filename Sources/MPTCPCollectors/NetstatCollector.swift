import MPTCPCore
import MPTCPKernel

/// Collector `netstat`: every MPTcpExt counter of `<procfs>/net/netstat`, the
/// TCP counters of `<procfs>/net/snmp` and `TcpExt` they are read against, and
/// the Case-diagram info series.
public struct NetstatCollector: Collector {
    public let name = "netstat"
    public let procfs: String

    /// - Parameter procfs: the procfs mount point (`--path.procfs`), `/proc` by default.
    public init(procfs: String = "/proc") {
        self.procfs = procfs
    }

    /// Reads both files: the I/O half of the collector.
    public func readTable() throws -> NetstatTable {
        let netstat: [UInt8]
        let snmp: [UInt8]
        do {
            netstat = try ProcFile.read(procfs + "/net/netstat")
            snmp = try ProcFile.read(procfs + "/net/snmp")
        } catch {
            throw CollectorError("\(error)")
        }
        return NetstatParser.parse(netstat).merging(NetstatParser.parse(snmp))
    }

    public func collect() throws -> [MetricFamily] {
        let table = try readTable()
        var families = CounterFamilies.families(from: table)
        families.append(MetricFamily(
            name: "mptcp_exporter_netstat_parse_issues",
            help: "Problems found in the last read of /proc/net/netstat and /proc/net/snmp (header and value lines that disagree, values that are not numbers); the rest of the file is still exported. See the exporter's log.",
            type: .gauge, value: .unsigned(UInt64(table.issues.count))))
        return families
    }
}
