import MPTCPWire
import MPTCPModel
import Synchronization

/// The one place a network namespace's MPTCP state is read from: it knows
/// where the namespace's procfs files are and owns its two netlink sockets
/// (sock_diag for connections, generic netlink for the path manager), each
/// opened on first use and again after a failure. `/metrics`' collectors,
/// `/api/v1/snapshot`, `mptcp-top` and the report sampler all read through
/// the reader of their namespace, so one socket per kind per namespace serves
/// them all, and each read of a source is one request to the kernel.
///
/// Sockets are opened by the thread that first reads: for a namespace other
/// than the process's, that is a thread that entered it (`NamespaceExecutor`),
/// so they belong to it. Reads of one kind are serialized (one dump at a time
/// on a socket); reads of different kinds may run at the same time.
public final class NamespaceReader: Sendable {
    /// Where `netstat` and `snmp` are: `<procfs>/net`, or `/proc/thread-self/net`
    /// for a namespace read from a thread that entered it.
    public let netDirectory: String
    /// Where the `net.mptcp.*` sysctls are: `<procfs>/sys/net/mptcp`.
    public let sysctlDirectory: String
    private let connections = Mutex(Holder<ConnectionReader>())
    private let pathManager = Mutex(Holder<PathManagerClient>())

    /// A socket owner, open or not (guarded by its mutex).
    struct Holder<Value> {
        var value: Value?
    }
    private let openConnections: @Sendable () throws -> ConnectionReader
    private let openPathManager: @Sendable () throws -> PathManagerClient

    /// What the latest successful reads returned, for views that join
    /// sources without reading them again (the connections' verdicts on
    /// `/metrics` use the path manager and sysctls the other collectors read).
    public struct Latest: Sendable {
        public var netstat: [UInt8]?
        /// `snmp` of the same read, and when it was made (CLOCK_REALTIME seconds).
        public var snmp: [UInt8]?
        public var countersReadAt: Double?
        public var pathManager: PathManagerRead?
        public var sysctls: MPTCPSysctls?
    }
    private let latestReads = Mutex(Latest())
    public var latest: Latest { latestReads.withLock { $0 } }

    /// - Parameters:
    ///   - procfs: the procfs mount point (`--path.procfs`).
    ///   - netDirectory: overrides `<procfs>/net`.
    ///   - openConnections, openPathManager: open the sockets (tests give
    ///     scripted transports).
    public init(procfs: String = "/proc", netDirectory: String? = nil,
                openConnections: @escaping @Sendable () throws -> ConnectionReader = { try ConnectionReader() },
                openPathManager: @escaping @Sendable () throws -> PathManagerClient = { try PathManagerClient() }) {
        self.netDirectory = netDirectory ?? procfs + "/net"
        self.sysctlDirectory = procfs + "/sys/net/mptcp"
        self.openConnections = openConnections
        self.openPathManager = openPathManager
    }

    /// For a namespace read on a thread that entered it: its own `net` files
    /// (`/proc/net` is the process leader's namespace, not the thread's).
    public static func insideNamespace() -> NamespaceReader {
        NamespaceReader(procfs: "/proc", netDirectory: "/proc/thread-self/net")
    }

    // MARK: Counters

    /// `netstat` and `snmp` as the kernel wrote them (each consumer parses what it needs).
    public func counterFiles() throws(SystemCallError) -> (netstat: [UInt8], snmp: [UInt8]) {
        let files = (netstat: try ProcFile.read(netDirectory + "/netstat"), snmp: try ProcFile.read(netDirectory + "/snmp"))
        let time = PathManagerEventListener.now()
        latestReads.withLock {
            $0.netstat = files.netstat
            $0.snmp = files.snmp
            $0.countersReadAt = time
        }
        return files
    }

    /// Both files parsed whole.
    public func counters() throws(SystemCallError) -> NetstatTable {
        let files = try counterFiles()
        return NetstatParser.parse(files.netstat).merging(NetstatParser.parse(files.snmp))
    }

    // MARK: Connections

    public typealias ConnectionsRead = (snapshot: ConnectionSnapshot, raw: ConnectionReader.RawDumps?, decodeErrors: [NetlinkDecodeError])

    /// Every MPTCP connection with its subflows (four sock_diag dumps),
    /// handing `observer` each subflow as it is joined.
    public func connections<Observer: SubflowObserver>(keepRaw: Bool = false, observer: inout Observer) throws -> ConnectionsRead {
        try connections.withLock { (holder: inout Holder<ConnectionReader>) in
            do {
                let current: ConnectionReader
                if let open = holder.value { current = open } else { current = try openConnections(); holder.value = current }
                return try current.read(keepRaw: keepRaw, observer: &observer)
            } catch {
                holder.value = nil   // reopened at the next read
                throw error
            }
        }
    }

    public func connections(keepRaw: Bool = false) throws -> ConnectionsRead {
        var observer = NoSubflowObserver()
        return try connections(keepRaw: keepRaw, observer: &observer)
    }

    // MARK: Path manager

    public struct PathManagerRead: Sendable {
        public var endpoints: [Endpoint]
        public var limits: PathManagerLimits
        /// The raw answers, when asked (archives, fixtures).
        public var endpointsRaw: [[UInt8]]
        public var limitsRaw: [[UInt8]]
    }

    /// Endpoints and limits (`ip mptcp endpoint show`, `ip mptcp limits show`).
    public func pathManager(keepRaw: Bool = false) throws -> PathManagerRead {
        try pathManager.withLock { (holder: inout Holder<PathManagerClient>) in
            do {
                let current: PathManagerClient
                if let open = holder.value { current = open } else { current = try openPathManager(); holder.value = current }
                let endpoints = try current.endpoints(keepRaw: keepRaw)
                let limits = try current.limits(keepRaw: keepRaw)
                let read = PathManagerRead(endpoints: endpoints.endpoints, limits: limits.limits, endpointsRaw: endpoints.raw, limitsRaw: limits.raw)
                latestReads.withLock { $0.pathManager = PathManagerRead(endpoints: read.endpoints, limits: read.limits, endpointsRaw: [], limitsRaw: []) }
                return read
            } catch {
                holder.value = nil   // reopened, and mptcp_pm resolved again, at the next read
                throw error
            }
        }
    }

    // MARK: Sysctls

    /// Every `net.mptcp.*` sysctl, typed.
    public func sysctls() throws(SystemCallError) -> MPTCPSysctls {
        var sysctls = MPTCPSysctls()
        for (name, text) in try sysctlFiles() { sysctls.add(name: name, text: text) }
        latestReads.withLock { [sysctls] in $0.sysctls = sysctls }
        return sysctls
    }

    /// Every `net.mptcp.*` sysctl as text (one that vanishes or cannot be read is left out).
    public func sysctlFiles() throws(SystemCallError) -> [String: String] {
        var files: [String: String] = [:]
        for name in try Directory.list(sysctlDirectory) {
            if let text = try? ProcFile.readText(sysctlDirectory + "/" + name) { files[name] = text }
        }
        return files
    }
}
