import Logging
import MPTCPWire
import MPTCPModel
import MPTCPKernel
import Synchronization

/// Collector `path_manager`: endpoints and limits through generic netlink.
public final class PathManagerCollector: Collector {
    public let name = "path_manager"
    private let reader: NamespaceReader

    public init(reader: NamespaceReader) { self.reader = reader }

    /// - Parameter openClient: opens the client (a generic netlink socket,
    ///   `mptcp_pm` resolved); again after a failure.
    public convenience init(openClient: @escaping @Sendable () throws -> PathManagerClient = { try PathManagerClient() }) {
        self.init(reader: NamespaceReader(openPathManager: openClient))
    }

    public func collect() throws -> [MetricFamily] {
        let read: NamespaceReader.PathManagerRead
        do { read = try reader.pathManager() } catch { throw CollectorError("\(error)") }
        return PathManagerFamilies.configuration(endpoints: read.endpoints, limits: read.limits,
                                                 interfaceNames: InterfaceTable.read().namesByIndex)
    }
}

/// Collector `sysctl`: `<procfs>/sys/net/mptcp/*`.
public struct SysctlCollector: Collector {
    public let name = "sysctl"
    private let reader: NamespaceReader

    public init(reader: NamespaceReader) { self.reader = reader }
    public init(procfs: String) { reader = NamespaceReader(procfs: procfs) }

    public func collect() throws -> [MetricFamily] {
        do {
            return PathManagerFamilies.sysctls(try reader.sysctls())
        } catch {
            throw CollectorError("\(error)")
        }
    }
}

/// Collector `pm_events`: counts of path-manager events. Never fails: when
/// events are not being received it says so in `mptcp_pm_events_available`
/// (and the counts received earlier are still served: counters never go back).
public struct PathManagerEventsCollector: Collector {
    public let name = "pm_events"
    /// The listener's thread did the reading; a scrape copies its counts.
    public let readsOnlyMemory = true
    public let supervisor: PathManagerEventsSupervisor

    public init(supervisor: PathManagerEventsSupervisor) {
        self.supervisor = supervisor
    }

    public func collect() throws -> [MetricFamily] {
        PathManagerFamilies.events(supervisor.recorder.snapshot, unavailableReason: supervisor.reasonNotListening)
    }
}
