import MPTCPCore
import MPTCPKernel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads a ``LiveSnapshot`` from the kernel: for `/api/v1/snapshot` and for
/// `mptcp-top` watching the local host. Each source (counters, connections,
/// path manager, sysctls) is read on its own; one that fails is named in
/// `errors` and the rest is still returned.
///
/// The exporter reads through ``read()``: every source on a
/// ``BlockingRunner`` with the collector deadline, so a read that blocks (a
/// hung procfs, a stuck dump) costs that source, `timed out`, never the
/// answer, and never a cooperative thread. `mptcp-top`, a program of its own,
/// reads with ``readNow()``.
public final class LiveSnapshotReader: Sendable {
    private let procfs: String
    private let netDirectory: String
    private let events: PathManagerEventsSupervisor?
    private let handles: Handles
    private let runners: Runners

    /// The sockets kept open between reads, reopened after a failure.
    final class Handles: Sendable {
        let connections = Mutex<ConnectionReader?>(nil)
        /// Resolving mptcp_pm costs a round trip: kept too.
        let pathManager = Mutex<PathManagerClient?>(nil)
    }

    struct Runners: Sendable {
        let counters: BlockingRunner<NetstatTable>
        let connections: BlockingRunner<ConnectionSnapshot>
        let pathManager: BlockingRunner<PathManagerState>
        let sysctls: BlockingRunner<MPTCPSysctls>
    }

    struct PathManagerState: Sendable {
        var endpoints: [Endpoint]
        var limits: PathManagerLimits?
        var interfaceNames: [UInt32: String]
    }

    /// - Parameters:
    ///   - netDirectory: where netstat and snmp are: `<procfs>/net` by default,
    ///     `/proc/thread-self/net` for a thread that entered another namespace.
    ///   - timeout: the deadline of each source in ``read()``.
    public init(procfs: String, netDirectory: String? = nil, events: PathManagerEventsSupervisor?, timeout: Duration = .seconds(10)) {
        let procfs = procfs
        let net = netDirectory ?? procfs + "/net"
        self.procfs = procfs
        self.netDirectory = net
        self.events = events
        let handles = Handles()
        runners = Runners(
            counters: BlockingRunner(name: "snapshot.counters", timeout: timeout) { try Self.readCounters(net) },
            connections: BlockingRunner(name: "snapshot.connections", timeout: timeout) { try Self.readConnections(handles) },
            pathManager: BlockingRunner(name: "snapshot.path_manager", timeout: timeout) { try Self.readPathManager(handles) },
            sysctls: BlockingRunner(name: "snapshot.sysctl", timeout: timeout) { try SysctlReader.mptcp(procfs: procfs) })
        self.handles = handles
    }

    /// Every source on its runner, at the same time, each within its deadline.
    public func read() async -> LiveSnapshot {
        async let counters = runners.counters.run()
        async let connections = runners.connections.run()
        async let pathManager = runners.pathManager.run()
        async let sysctls = runners.sysctls.run()
        return assemble(counters: await counters, connections: await connections, pathManager: await pathManager, sysctls: await sysctls)
    }

    /// Every source read on the calling thread, one after the other.
    public func readNow() -> LiveSnapshot {
        func result<T>(_ body: () throws -> T) -> Result<T, RunFailure> {
            do { return .success(try body()) } catch { return .failure(RunFailure("\(error)")) }
        }
        return assemble(counters: result { try Self.readCounters(netDirectory) },
                        connections: result { try Self.readConnections(handles) },
                        pathManager: result { try Self.readPathManager(handles) },
                        sysctls: result { try SysctlReader.mptcp(procfs: procfs) })
    }

    private func assemble(counters: Result<NetstatTable, RunFailure>, connections: Result<ConnectionSnapshot, RunFailure>,
                          pathManager: Result<PathManagerState, RunFailure>, sysctls: Result<MPTCPSysctls, RunFailure>) -> LiveSnapshot {
        var errors: [String] = []
        func value<T>(_ name: String, _ result: Result<T, RunFailure>) -> T? {
            switch result {
            case let .success(value): return value
            case let .failure(failure):
                errors.append("\(name): \(failure)")
                return nil
            }
        }
        let table = value("counters", counters)
        let snapshot = value("connections", connections)
        let pm = value("path manager", pathManager)
        let mptcpSysctls = try? sysctls.get()
        var recent: [PathManagerEvent]?
        if let events, events.reasonNotListening == nil { recent = events.recorder.snapshot.recent }
        let host = HostIdentity.read()
        return LiveSnapshot.make(
            time: PathManagerEventListener.now(), hostname: host.hostname, kernel: host.kernel,
            netstat: table, connections: snapshot, endpoints: pm?.endpoints, limits: pm?.limits, sysctls: mptcpSysctls,
            interfaceNames: pm?.interfaceNames ?? InterfaceTable.read().namesByIndex, events: recent, errors: errors)
    }

    static func readCounters(_ net: String) throws -> NetstatTable {
        NetstatParser.parse(try ProcFile.read(net + "/netstat")).merging(NetstatParser.parse(try ProcFile.read(net + "/snmp")))
    }

    static func readConnections(_ handles: Handles) throws -> ConnectionSnapshot {
        try handles.connections.withLock { reader in
            do {
                let current = try reader ?? ConnectionReader()
                reader = current
                return try current.read().snapshot
            } catch {
                reader = nil       // reopen next time
                throw error
            }
        }
    }

    static func readPathManager(_ handles: Handles) throws -> PathManagerState {
        try handles.pathManager.withLock { client in
            do {
                let current = try client ?? PathManagerClient()
                client = current
                return PathManagerState(endpoints: try current.endpoints().endpoints, limits: try current.limits().limits,
                                        interfaceNames: InterfaceTable.read().namesByIndex)
            } catch {
                client = nil
                throw error
            }
        }
    }
}
