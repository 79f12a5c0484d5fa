import MPTCPWire

/// The life of every MPTCP connection of one namespace, from path-manager
/// events (`created`, `established`, `sub_established`, `sub_closed`,
/// `closed`), the kernel's destroy notifications of its subflows and the
/// dumps of the scrapes: the lifecycle histograms, subflow ends per
/// interface and the last connections that closed.
///
/// Pure: the collector feeds it what the receiving threads queued and what
/// the dump saw, at each scrape. Memory is bounded by `maximumTracked`
/// connections (the overflow is counted) and `keepClosed` closed ones.
public struct ConnectionLifecycle: Sendable {
    public struct Options: Sendable {
        /// Connections followed at once; beyond, new ones are counted in `overflow` and not followed.
        public var maximumTracked: Int
        /// Closed connections kept for the live views and the report.
        public var keepClosed: Int
        /// Seconds a closed connection waits for its subflows' notifications.
        public var grace: Double

        public init(maximumTracked: Int = 100_000, keepClosed: Int = 64, grace: Double = 2) {
            self.maximumTracked = maximumTracked
            self.keepClosed = keepClosed
            self.grace = grace
        }
    }

    struct TrackedSubflow {
        var interface: String?
        var established: Double?
        var bytes: InterfaceByteCounters.Bytes?
        var exact = false
        var end: String?
        var destroyedAt: Double?
    }

    struct Tracked {
        var token: UInt32
        var tuple: SubflowTuple?
        var created: Double?
        var established: Double?
        var closedAt: Double?
        var goneAt: Double?
        var subflows: [SubflowTuple: TrackedSubflow] = [:]
        var seenGeneration: UInt64 = 0
        /// The last time anything was heard of it (an event, a notification, a dump).
        var lastHeard: Double = 0
    }

    /// Seconds after which a connection no dump shows and nothing was heard
    /// of is given up (its `closed` event and notifications were lost).
    static let forgetAfter = 600.0

    public let options: Options
    private var tracked: [UInt32: Tracked] = [:]
    /// The connections whose subflow has this four-tuple, oldest first
    /// (usually one; two when a freed port was taken again before the first
    /// socket was freed).
    private var tokensOfTuple: [SubflowTuple: [UInt32]] = [:]
    private var generation: UInt64 = 0

    public private(set) var duration = Histogram(bounds: LifecycleBuckets.duration)
    public private(set) var subflowLifetime = Histogram(bounds: LifecycleBuckets.duration)
    public private(set) var subflowsAtClose = Histogram(bounds: LifecycleBuckets.subflows)
    public private(set) var bytesAtClose = Histogram(bounds: LifecycleBuckets.bytes)
    /// Join latency per interface.
    public private(set) var joinLatency: [String: Histogram] = [:]
    /// Subflow ends per interface and how they ended.
    public private(set) var subflowEnds: [SubflowEndKey: UInt64] = [:]
    public private(set) var recentlyClosed: [ClosedConnection] = []
    public private(set) var connectionsClosed: UInt64 = 0
    /// Connections created while `maximumTracked` were followed (not followed).
    public private(set) var overflow: UInt64 = 0

    public struct SubflowEndKey: Sendable, Hashable {
        public var interface: String
        public var end: String
        public init(interface: String, end: String) {
            self.interface = interface
            self.end = end
        }
    }

    public init(options: Options = Options()) {
        self.options = options
    }

    public var trackedConnections: Int { tracked.count }

    /// Four-tuples of connections that ended, with their token: the inbox can forget them.
    public private(set) var finishedTuples: [(tuple: SubflowTuple, token: UInt32)] = []

    // MARK: Feeding

    /// Path-manager events, in arrival order. `interface` names the
    /// interface of a subflow from its bound index and addresses.
    public mutating func apply(_ events: [PathManagerEvent], interface: (UInt32, SubflowTuple) -> String?) {
        for event in events {
            guard let token = event.token else { continue }
            let tuple = SubflowTuple(event)
            defer { tracked[token]?.lastHeard = event.receivedAt }
            switch event.kind {
            case .created:
                guard follow(token, counting: true) else { continue }
                tracked[token]?.created = event.receivedAt
                if let tuple {
                    tracked[token]?.tuple = tuple
                    addSubflow(token, tuple, established: nil,
                               interface: interface(UInt32(bitPattern: event.interfaceIndex ?? 0), tuple))
                }
            case .established:
                guard follow(token) else { continue }
                tracked[token]?.established = event.receivedAt
                if let tuple {
                    tracked[token]?.tuple = tuple
                    addSubflow(token, tuple, established: event.receivedAt,
                               interface: interface(UInt32(bitPattern: event.interfaceIndex ?? 0), tuple))
                }
            case .subflowEstablished:
                guard let tuple, follow(token) else { continue }
                let name = interface(UInt32(bitPattern: event.interfaceIndex ?? 0), tuple)
                addSubflow(token, tuple, established: event.receivedAt, interface: name)
                if let start = tracked[token]?.established {
                    joinLatency[name ?? "unknown", default: Histogram(bounds: LifecycleBuckets.joinLatency)]
                        .observe(max(0, event.receivedAt - start))
                }
            case .subflowClosed:
                guard let tuple, tracked[token] != nil else { continue }
                var end = event.error.flatMap { $0 == 0 ? nil : ErrnoNames.name(Int32($0)) }
                if let reason = event.resetReason, reason != 0 { end = "MP_RST " + PathManagerEvent.resetReasonName(reason) }
                if tracked[token]?.subflows[tuple] == nil { addSubflow(token, tuple, established: nil, interface: interface(UInt32(bitPattern: event.interfaceIndex ?? 0), tuple)) }
                tracked[token]?.subflows[tuple]?.end = end ?? "closed"
            case .closed:
                tracked[token]?.closedAt = event.receivedAt
            default:
                break
            }
        }
    }

    /// The connections and subflows of a dump taken at `time`: connections
    /// that opened before the exporter or without events are followed from
    /// here, and a followed connection absent from the dump is over.
    public mutating func observe(_ snapshot: ConnectionSnapshot, time: Double) {
        generation &+= 1
        for connection in snapshot.connections {
            guard let token = connection.token else { continue }
            guard follow(token) else { continue }
            tracked[token]?.seenGeneration = generation
            tracked[token]?.lastHeard = time
            for subflow in connection.subflows {
                let tuple = SubflowTuple(local: subflow.local, localPort: subflow.localPort,
                                         remote: subflow.remote, remotePort: subflow.remotePort)
                if tracked[token]?.subflows[tuple] == nil {
                    addSubflow(token, tuple, established: nil, interface: subflow.interface)
                }
                guard let tcp = subflow.tcp, var entry = tracked[token]?.subflows[tuple], !entry.exact else { continue }
                if let name = subflow.interface { entry.interface = name }
                entry.bytes = .init(acked: tcp.bytesAcked ?? 0, received: tcp.bytesReceived ?? 0, retransmitted: tcp.bytesRetrans ?? 0)
                tracked[token]?.subflows[tuple] = entry
            }
        }
        for (token, entry) in tracked where entry.seenGeneration != 0 && entry.seenGeneration != generation && entry.goneAt == nil {
            tracked[token]?.goneAt = time
        }
    }

    /// A subflow's destroy notification. Returns the token of its
    /// connection, nil when no followed connection has that four-tuple.
    @discardableResult
    public mutating func destroyed(_ close: SubflowClose, interface: String) -> UInt32? {
        // Of the connections whose subflow had this four-tuple and was not
        // destroyed yet: one whose subflow or connection is known to be over
        // (a socket is freed only after it closed), else the oldest.
        let candidates = (tokensOfTuple[close.tuple] ?? []).filter { tracked[$0]?.subflows[close.tuple]?.destroyedAt == nil && tracked[$0] != nil }
        let over = candidates.first { token in
            tracked[token]?.subflows[close.tuple]?.end != nil || tracked[token]?.closedAt != nil || tracked[token]?.goneAt != nil
        }
        guard let token = over ?? candidates.first else { return nil }
        var subflow = tracked[token]?.subflows[close.tuple] ?? TrackedSubflow()
        subflow.bytes = close.bytes
        subflow.exact = true
        subflow.destroyedAt = close.time
        if subflow.interface == nil { subflow.interface = interface }
        if let start = subflow.established ?? tracked[token]?.established {
            subflowLifetime.observe(max(0, close.time - start))
        }
        tracked[token]?.subflows[close.tuple] = subflow
        tracked[token]?.lastHeard = close.time
        return token
    }

    /// Ends the connections that are over: those with a `closed` event or
    /// gone from the dump whose subflows have all been destroyed, or that
    /// waited `grace` seconds for the rest.
    public mutating func settle(now: Double) {
        finishedTuples.removeAll(keepingCapacity: true)
        var done: [UInt32] = []
        for (token, entry) in tracked {
            guard let over = entry.closedAt ?? entry.goneAt else { continue }
            let allDestroyed = !entry.subflows.isEmpty && entry.subflows.values.allSatisfy { $0.destroyedAt != nil }
            if allDestroyed || now - over >= options.grace { done.append(token) }
        }
        // Followed from events only, its `closed` event lost: over once every
        // subflow was destroyed and nothing was heard of it for a while.
        for (token, entry) in tracked where entry.closedAt == nil && entry.goneAt == nil
            && !(entry.seenGeneration != 0 && entry.seenGeneration == generation) {
            let last = entry.subflows.values.map { $0.destroyedAt }
            if !last.isEmpty, last.allSatisfy({ $0 != nil }), let latest = last.compactMap({ $0 }).max(), now - latest >= 10 * options.grace {
                done.append(token)
            } else if now - entry.lastHeard >= Self.forgetAfter {
                done.append(token)
            }
        }
        for token in done.sorted() {
            guard let entry = tracked.removeValue(forKey: token) else { continue }
            finish(entry)
        }
    }

    // MARK: Inside

    /// Follows `token` (already followed: true); false when the bound is reached.
    private mutating func follow(_ token: UInt32, counting: Bool = false) -> Bool {
        if tracked[token] != nil { return true }
        guard tracked.count < options.maximumTracked else {
            if counting { overflow &+= 1 }
            return false
        }
        tracked[token] = Tracked(token: token)
        return true
    }

    private mutating func addSubflow(_ token: UInt32, _ tuple: SubflowTuple, established: Double?, interface: String?) {
        var subflow = tracked[token]?.subflows[tuple] ?? TrackedSubflow()
        if subflow.established == nil { subflow.established = established }
        if subflow.interface == nil { subflow.interface = interface }
        tracked[token]?.subflows[tuple] = subflow
        if tokensOfTuple[tuple]?.contains(token) != true { tokensOfTuple[tuple, default: []].append(token) }
    }

    private mutating func finish(_ entry: Tracked) {
        connectionsClosed &+= 1
        let endedAt = entry.closedAt ?? entry.subflows.values.compactMap(\.destroyedAt).max() ?? entry.goneAt ?? 0
        let durationSeconds = entry.created.map { max(0, endedAt - $0) }
        if let durationSeconds { duration.observe(durationSeconds) }
        subflowsAtClose.observe(Double(entry.subflows.count))
        var subflows: [ClosedConnection.Subflow] = []
        var perInterface: [String: (UInt64, UInt64)] = [:]
        for (tuple, subflow) in entry.subflows.sorted(by: { ($0.value.established ?? 0, $0.key.path) < ($1.value.established ?? 0, $1.key.path) }) {
            let interface = subflow.interface ?? "unknown"
            let end = subflow.end ?? (subflow.destroyedAt != nil ? "with_connection" : "unobserved")
            subflowEnds[SubflowEndKey(interface: interface, end: end), default: 0] &+= 1
            let bytes = subflow.bytes ?? .init()
            perInterface[interface, default: (0, 0)].0 &+= bytes.acked
            perInterface[interface, default: (0, 0)].1 &+= bytes.received
            subflows.append(.init(local: tuple.local.endpoint(port: tuple.localPort), remote: tuple.remote.endpoint(port: tuple.remotePort),
                                  interface: interface, bytesAcked: bytes.acked, bytesReceived: bytes.received, end: end,
                                  lifetime: subflow.destroyedAt.flatMap { end in subflow.established.map { max(0, end - $0) } },
                                  exact: subflow.exact))
            if var tokens = tokensOfTuple[tuple] {
                tokens.removeAll { $0 == entry.token }
                tokensOfTuple[tuple] = tokens.isEmpty ? nil : tokens
            }
            finishedTuples.append((tuple, entry.token))
        }
        let closed = ClosedConnection(
            token: hex8(entry.token),
            local: entry.tuple.map { $0.local.endpoint(port: $0.localPort) } ?? subflows.first?.local ?? "",
            remote: entry.tuple.map { $0.remote.endpoint(port: $0.remotePort) } ?? subflows.first?.remote ?? "",
            endedAt: endedAt, duration: durationSeconds, end: entry.closedAt != nil ? "closed" : "gone",
            subflows: subflows,
            interfaces: perInterface.sorted { $0.key < $1.key }.map { .init(interface: $0.key, bytesAcked: $0.value.0, bytesReceived: $0.value.1) })
        bytesAtClose.observe(Double(closed.bytes))
        guard options.keepClosed > 0 else { return }
        if recentlyClosed.count >= options.keepClosed { recentlyClosed.removeFirst(recentlyClosed.count - options.keepClosed + 1) }
        recentlyClosed.append(closed)
    }
}
