import MPTCPWire
import MPTCPModel
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
    private let reader: NamespaceReader
    private let events: PathManagerEventsSupervisor?
    private let runners: Runners
    private let ledger: ConnectionsCollector?

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
    ///   - reader: the namespace's reader, shared with the collectors.
    ///   - timeout: the deadline of each source in ``read()``.
    ///   - ledger: the connections collector of `/metrics`, when it keeps the
    ///     subflow ledger: connections are read through it (advancing the
    ///     ledger), and the connections it saw end are listed.
    public init(reader: NamespaceReader, events: PathManagerEventsSupervisor?, timeout: Duration = .seconds(10),
                ledger: ConnectionsCollector? = nil) {
        self.reader = reader
        self.events = events
        self.ledger = ledger
        runners = Runners(
            counters: BlockingRunner(name: "snapshot.counters", timeout: timeout) { try reader.counters() },
            connections: BlockingRunner(name: "snapshot.connections", timeout: timeout) {
                try ledger?.readConnections() ?? reader.connections().snapshot
            },
            pathManager: BlockingRunner(name: "snapshot.path_manager", timeout: timeout) { try Self.readPathManager(reader) },
            sysctls: BlockingRunner(name: "snapshot.sysctl", timeout: timeout) { try reader.sysctls() })
    }

    /// A reader that keeps this namespace's subflow ledger between reads (the
    /// local `mptcp-top`): destroy notifications, and the path-manager
    /// events its supervisor receives, so that connections that end are
    /// listed with their final bytes. Called on a thread in the namespace
    /// to watch: the sockets are opened there.
    public static func keepingLedger(procfs: String, netDirectory: String? = nil, eventsMode: PathManagerEventsSupervisor.Mode,
                                     ledger: Bool = true, keepClosed: Int = 64) -> LiveSnapshotReader {
        let listener = ledger ? SubflowCloseListener(maximumRate: SubflowCloseListener.defaultMaximumRate) : nil
        let receiving = listener?.isListening == true ? listener : nil
        let supervisor = PathManagerEventsSupervisor(mode: eventsMode, procfs: procfs, onDatagram: receiving?.receive)
        let reader = NamespaceReader(procfs: procfs, netDirectory: netDirectory)
        let collector = ConnectionsCollector(reader: reader, ledger: receiving, lifecycle: .init(keepClosed: keepClosed))
        return LiveSnapshotReader(reader: reader, events: supervisor, ledger: ledger ? collector : nil)
    }

    /// - Parameter netDirectory: where netstat and snmp are: `<procfs>/net` by
    ///   default, `/proc/thread-self/net` for a thread that entered another namespace.
    public convenience init(procfs: String, netDirectory: String? = nil, events: PathManagerEventsSupervisor?, timeout: Duration = .seconds(10)) {
        self.init(reader: NamespaceReader(procfs: procfs, netDirectory: netDirectory), events: events, timeout: timeout)
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
        return assemble(counters: result { try reader.counters() },
                        connections: result { try ledger?.readConnections() ?? reader.connections().snapshot },
                        pathManager: result { try Self.readPathManager(reader) },
                        sysctls: result { try reader.sysctls() })
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
        var live = LiveSnapshot.make(
            time: PathManagerEventListener.now(), hostname: host.hostname, kernel: host.kernel,
            netstat: table, connections: snapshot, endpoints: pm?.endpoints, limits: pm?.limits, sysctls: mptcpSysctls,
            interfaceNames: pm?.interfaceNames ?? InterfaceTable.read().namesByIndex, events: recent, errors: errors)
        if let ledger {
            live.closed = Array(ledger.recentlyClosed().reversed())
            live.ledgerAvailable = ledger.ledgerAvailable
        }
        return live
    }

    static func readPathManager(_ reader: NamespaceReader) throws -> PathManagerState {
        let read = try reader.pathManager()
        return PathManagerState(endpoints: read.endpoints, limits: read.limits, interfaceNames: InterfaceTable.read().namesByIndex)
    }
}
