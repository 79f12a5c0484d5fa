import MPTCPWire
/// What `mptcp-top` shows, at one moment: the machine-readable snapshot the
/// exporter serves at `/api/v1/snapshot` (schema `mptcp-exporter/snapshot/v1`,
/// JSON keys in snake case, unknown values absent) and the local view reads
/// from the kernel directly.
public struct LiveSnapshot: Sendable, Codable, Equatable {
    public static let schemaName = "mptcp-exporter/snapshot/v1"

    public var schema = LiveSnapshot.schemaName
    /// Seconds since 1970 when it was read.
    public var time: Double
    public var hostname: String
    public var kernel: String
    public var mptcpEnabled: Bool?
    public var pathManager: String?
    public var scheduler: String?
    /// MPTcpExt counters by kernel name.
    public var counters: [String: UInt64]
    /// The TCP counters beside them, by nstat name (`TcpActiveOpens`).
    public var tcp: [String: UInt64]
    public var connections: [ConnectionEntry]
    public var listeners: [String]
    public var endpoints: [EndpointEntry]
    public var limits: LimitsEntry?
    public var eventsAvailable: Bool
    /// Most recent first.
    public var events: [EventEntry]
    /// What could not be read (one entry per failing source).
    public var errors: [String]
    /// The namespaces merged into this snapshot (their labels), when it holds
    /// more than the reader's own; absent otherwise. Counters are then sums.
    public var namespaces: [String]?
    /// Who each merged namespace belongs to, by the cgroup path of a process
    /// in it (`docker container 4c1ea3f0a5b9`, a pod, a systemd unit), when known.
    public var namespaceOwners: [String: String]?
    /// Connections that ended recently, most recent first, as the subflow
    /// ledger saw them; absent when the ledger does not run here.
    public var closed: [ClosedConnection]?
    /// Whether the kernel's destroy notifications were received (exact
    /// final bytes); absent when the ledger does not run here.
    public var ledgerAvailable: Bool?

    public struct ConnectionEntry: Sendable, Codable, Equatable {
        public var token: String
        public var family: String
        public var local: String
        public var remote: String
        public var state: ConnectionState
        public var fallback: Bool
        public var bytesSent: UInt64?
        public var bytesReceived: UInt64?
        public var bytesRetransmitted: UInt64?
        public var retransmits: UInt32?
        /// Milliseconds since the last data sent or received.
        public var lastDataSent: UInt32?
        public var lastDataReceived: UInt32?
        public var subflows: [SubflowEntry]
        /// The network namespace, when several are shown at once.
        public var namespace: String?
        /// Why it has the paths it has (``Verdicts``); absent from exporters that predate verdicts.
        public var verdict: Report.Verdict?

        public init(token: String, family: String, local: String, remote: String, state: ConnectionState, fallback: Bool,
                    bytesSent: UInt64? = nil, bytesReceived: UInt64? = nil, bytesRetransmitted: UInt64? = nil,
                    retransmits: UInt32? = nil, lastDataSent: UInt32? = nil, lastDataReceived: UInt32? = nil,
                    subflows: [SubflowEntry]) {
            self.token = token
            self.family = family
            self.local = local
            self.remote = remote
            self.state = state
            self.fallback = fallback
            self.bytesSent = bytesSent
            self.bytesReceived = bytesReceived
            self.bytesRetransmitted = bytesRetransmitted
            self.retransmits = retransmits
            self.lastDataSent = lastDataSent
            self.lastDataReceived = lastDataReceived
            self.subflows = subflows
        }
    }

    public struct SubflowEntry: Sendable, Codable, Equatable {
        public var local: String
        public var remote: String
        public var interface: String?
        public var localId: Int?
        public var remoteId: Int?
        public var role: SubflowRole
        public var priority: SubflowPriority
        /// Microseconds.
        public var rtt: UInt32?
        public var cwnd: UInt32?
        /// Bytes per second.
        public var deliveryRate: UInt64?
        public var bytesAcked: UInt64?
        public var bytesReceived: UInt64?
        public var retransmits: UInt32?

        public init(local: String, remote: String, interface: String?, localId: Int?, remoteId: Int?, role: SubflowRole, priority: SubflowPriority,
                    rtt: UInt32? = nil, cwnd: UInt32? = nil, deliveryRate: UInt64? = nil, bytesAcked: UInt64? = nil,
                    bytesReceived: UInt64? = nil, retransmits: UInt32? = nil) {
            self.local = local
            self.remote = remote
            self.interface = interface
            self.localId = localId
            self.remoteId = remoteId
            self.role = role
            self.priority = priority
            self.rtt = rtt
            self.cwnd = cwnd
            self.deliveryRate = deliveryRate
            self.bytesAcked = bytesAcked
            self.bytesReceived = bytesReceived
            self.retransmits = retransmits
        }
    }

    public struct EndpointEntry: Sendable, Codable, Equatable {
        public var id: Int
        public var address: String
        public var port: Int?
        public var interface: String?
        public var flags: [String]
        public init(id: Int, address: String, port: Int?, interface: String?, flags: [String]) {
            self.id = id
            self.address = address
            self.port = port
            self.interface = interface
            self.flags = flags
        }
    }

    public struct LimitsEntry: Sendable, Codable, Equatable {
        public var subflows: Int?
        public var addAddrAccepted: Int?
        public init(subflows: Int?, addAddrAccepted: Int?) {
            self.subflows = subflows
            self.addAddrAccepted = addAddrAccepted
        }
    }

    public struct EventEntry: Sendable, Codable, Equatable {
        public var time: Double
        public var type: String
        public var summary: String
        public init(time: Double, type: String, summary: String) {
            self.time = time
            self.type = type
            self.summary = summary
        }
    }

    public init(time: Double, hostname: String, kernel: String, mptcpEnabled: Bool? = nil, pathManager: String? = nil,
                scheduler: String? = nil, counters: [String: UInt64] = [:], tcp: [String: UInt64] = [:],
                connections: [ConnectionEntry] = [], listeners: [String] = [], endpoints: [EndpointEntry] = [],
                limits: LimitsEntry? = nil, eventsAvailable: Bool = false, events: [EventEntry] = [], errors: [String] = []) {
        self.time = time
        self.hostname = hostname
        self.kernel = kernel
        self.mptcpEnabled = mptcpEnabled
        self.pathManager = pathManager
        self.scheduler = scheduler
        self.counters = counters
        self.tcp = tcp
        self.connections = connections
        self.listeners = listeners
        self.endpoints = endpoints
        self.limits = limits
        self.eventsAvailable = eventsAvailable
        self.events = events
        self.errors = errors
    }

    /// Several namespaces' snapshots as one: connections tagged with their
    /// namespace, counters summed, endpoints and events put together.
    public static func merge(_ parts: [(namespace: String, snapshot: LiveSnapshot)]) -> LiveSnapshot {
        guard var merged = parts.first?.snapshot else { return LiveSnapshot(time: 0, hostname: "", kernel: "") }
        merged.connections = []
        merged.counters = [:]
        merged.tcp = [:]
        merged.listeners = []
        merged.endpoints = []
        merged.events = []
        merged.errors = []
        merged.closed = nil
        merged.ledgerAvailable = nil
        for (namespace, part) in parts {
            merged.connections += part.connections.map { var entry = $0; entry.namespace = namespace; return entry }
            for (name, value) in part.counters { merged.counters[name, default: 0] &+= value }
            for (name, value) in part.tcp { merged.tcp[name, default: 0] &+= value }
            merged.listeners += part.listeners.map { "[\(namespace)] \($0)" }
            merged.endpoints += part.endpoints
            merged.events += part.events.map { var event = $0; event.summary = "[\(namespace)] " + event.summary; return event }
            merged.errors += part.errors.map { "[\(namespace)] " + $0 }
            merged.eventsAvailable = merged.eventsAvailable || part.eventsAvailable
            if let closed = part.closed {
                merged.closed = (merged.closed ?? []) + closed.map { var entry = $0; entry.namespace = namespace; return entry }
                merged.ledgerAvailable = (merged.ledgerAvailable ?? false) || part.ledgerAvailable == true
            }
        }
        merged.closed?.sort { $0.endedAt > $1.endedAt }
        merged.events.sort { $0.time > $1.time }
        merged.namespaces = parts.count > 1 ? parts.map(\.namespace) : nil
        return merged
    }

    /// Assembles a snapshot from what the kernel layer read; any part may be missing.
    public static func make(time: Double, hostname: String, kernel: String, netstat: NetstatTable?, connections: ConnectionSnapshot?,
                            endpoints: [Endpoint]?, limits: PathManagerLimits?, sysctls: MPTCPSysctls?,
                            interfaceNames: [UInt32: String], events: [PathManagerEvent]?, errors: [String]) -> LiveSnapshot {
        var snapshot = LiveSnapshot(time: time, hostname: hostname, kernel: kernel, errors: errors)
        snapshot.mptcpEnabled = sysctls?.enabled
        snapshot.pathManager = sysctls?.pathManager
        snapshot.scheduler = sysctls?.scheduler
        for counter in netstat?.section("MPTcpExt")?.counters ?? [] { snapshot.counters[counter.name] = counter.value }
        for descriptor in CounterCatalog.tcp {
            if let value = netstat?[descriptor.section, descriptor.name] { snapshot.tcp[descriptor.nstatName] = value }
        }
        snapshot.connections = (connections?.connections ?? []).map { connection in
            ConnectionEntry(
                token: connection.tokenHex, family: connection.family == IPAddress.inet6 ? "inet6" : "inet",
                local: connection.localEndpoint, remote: connection.remoteEndpoint, state: connection.connectionState,
                fallback: connection.isFallback, bytesSent: connection.info?.bytesSent, bytesReceived: connection.info?.bytesReceived,
                bytesRetransmitted: connection.info?.bytesRetrans, retransmits: connection.info?.retransmits,
                lastDataSent: connection.info?.lastDataSent, lastDataReceived: connection.info?.lastDataRecv,
                subflows: connection.subflows.map { subflow in
                    SubflowEntry(local: subflow.localEndpoint, remote: subflow.remoteEndpoint, interface: subflow.interface,
                                 localId: subflow.localID.map(Int.init), remoteId: subflow.remoteID.map(Int.init),
                                 role: subflow.role, priority: subflow.priority, rtt: subflow.tcp?.rtt, cwnd: subflow.tcp?.sndCwnd,
                                 deliveryRate: subflow.tcp?.deliveryRate, bytesAcked: subflow.tcp?.bytesAcked,
                                 bytesReceived: subflow.tcp?.bytesReceived, retransmits: subflow.tcp?.totalRetrans)
                })
        }
        if let connections, let netstat {
            let verdicts = Verdicts.evaluate(.live(netstat: netstat, sysctls: sysctls, endpoints: endpoints, limits: limits,
                                                   connections: connections, events: events))
            for index in snapshot.connections.indices {
                snapshot.connections[index].verdict = verdicts[snapshot.connections[index].token]
            }
        }
        snapshot.listeners = (connections?.listeners ?? []).map(\.endpoint)
        snapshot.endpoints = (endpoints ?? []).map { endpoint in
            EndpointEntry(id: Int(endpoint.id), address: endpoint.address.map { "\($0)" } ?? "",
                          port: endpoint.port == 0 ? nil : Int(endpoint.port),
                          interface: endpoint.interfaceName(interfaceNames),
                          flags: endpoint.flagNames)
        }
        snapshot.limits = limits.map { LimitsEntry(subflows: $0.subflows.map(Int.init), addAddrAccepted: $0.addAddrAccepted.map(Int.init)) }
        snapshot.eventsAvailable = events != nil
        snapshot.events = (events ?? []).reversed().map { EventEntry(time: $0.receivedAt, type: $0.kind.name, summary: $0.summary) }
        return snapshot
    }
}
