import Logging
import MPTCPCore
import MPTCPKernel
import Synchronization

/// Collector `path_manager`: endpoints and limits through generic netlink.
public final class PathManagerCollector: Collector {
    public let name = "path_manager"
    private let client = Mutex<PathManagerClient?>(nil)
    private let openClient: @Sendable () throws -> PathManagerClient

    /// - Parameter openClient: opens the client (a generic netlink socket,
    ///   `mptcp_pm` resolved); again after a failure.
    public init(openClient: @escaping @Sendable () throws -> PathManagerClient = { try PathManagerClient() }) {
        self.openClient = openClient
    }

    public func collect() throws -> [MetricFamily] {
        try client.withLock { client in
            do {
                let pm = try client ?? openClient()
                client = pm
                let endpoints = try pm.endpoints().endpoints
                let limits = try pm.limits().limits
                let interfaces = InterfaceTable.read()
                return PathManagerFamilies.configuration(endpoints: endpoints, limits: limits, interfaceNames: interfaces.namesByIndex)
            } catch {
                client = nil       // reopen (and resolve the family again) next time
                throw CollectorError("\(error)")
            }
        }
    }
}

/// Collector `sysctl`: `<procfs>/sys/net/mptcp/*`.
public struct SysctlCollector: Collector {
    public let name = "sysctl"
    public let procfs: String

    public init(procfs: String) { self.procfs = procfs }

    public func collect() throws -> [MetricFamily] {
        do {
            return PathManagerFamilies.sysctls(try SysctlReader.mptcp(procfs: procfs))
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
