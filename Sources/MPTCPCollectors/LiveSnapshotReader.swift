import MPTCPCore
import MPTCPKernel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads a ``LiveSnapshot`` from the kernel: for `/api/v1/snapshot` and for
/// `mptcp-top` watching the local host. Each part that fails is reported in
/// `errors` and the rest is still returned.
public final class LiveSnapshotReader: Sendable {
    private let procfs: String
    private let netDirectory: String
    private let events: PathManagerEventsSupervisor?
    private let connections = Mutex<ConnectionReader?>(nil)
    /// Kept open between refreshes (resolving mptcp_pm costs a round trip); reopened after a failure.
    private let pathManager = Mutex<PathManagerClient?>(nil)

    /// - Parameter netDirectory: where netstat and snmp are: `<procfs>/net` by
    ///   default, `/proc/thread-self/net` for a thread that entered another namespace.
    public init(procfs: String, netDirectory: String? = nil, events: PathManagerEventsSupervisor?) {
        self.procfs = procfs
        self.netDirectory = netDirectory ?? procfs + "/net"
        self.events = events
    }

    public func read() -> LiveSnapshot {
        var errors: [String] = []
        var table: NetstatTable?
        do {
            table = NetstatParser.parse(try ProcFile.read(netDirectory + "/netstat")).merging(NetstatParser.parse(try ProcFile.read(netDirectory + "/snmp")))
        } catch {
            errors.append("counters: \(error)")
        }
        let snapshot: ConnectionSnapshot? = connections.withLock { reader in
            do {
                let current = try reader ?? ConnectionReader()
                reader = current
                return try current.read().snapshot
            } catch {
                reader = nil
                errors.append("connections: \(error)")
                return nil
            }
        }
        let (endpoints, limits): ([Endpoint]?, PathManagerLimits?) = pathManager.withLock { client in
            do {
                let current = try client ?? PathManagerClient()
                client = current
                return (try current.endpoints().endpoints, try current.limits().limits)
            } catch {
                client = nil
                errors.append("path manager: \(error)")
                return (nil, nil)
            }
        }
        let sysctls = try? SysctlReader.mptcp(procfs: procfs)
        var recent: [PathManagerEvent]?
        if let events, events.reasonNotListening == nil { recent = events.recorder.snapshot.recent }
        let host = HostIdentity.read()
        return LiveSnapshot.make(
            time: PathManagerEventListener.now(), hostname: host.hostname, kernel: host.kernel,
            netstat: table, connections: snapshot, endpoints: endpoints, limits: limits, sysctls: sysctls,
            interfaceNames: InterfaceTable.read().namesByIndex, events: recent, errors: errors)
    }
}
