/// Bytes carried per interface by MPTCP subflows, as counters that never go
/// backwards.
///
/// Summing the byte counters of the subflows open now would drop whenever a
/// connection closes, which Prometheus reads as a counter reset. Instead each
/// subflow (keyed by its socket cookie) is remembered with the values of the
/// last scrape that saw it, and leaves in one of two ways:
/// - ``close(_:interface:)``: the kernel's destroy notification gave its
///   final values, which join the per-interface total of closed subflows
///   (also for a subflow no scrape saw: it lived between two scrapes);
/// - gone from a dump with no notification: the values of the last scrape
///   that saw it join the total (the notification is lost, or not listened
///   to); a notification arriving later adds what was missing.
/// So with notifications every byte is counted exactly once; without them
/// the bytes a subflow carried after the last scrape before it closed, and
/// subflows that lived entirely between two scrapes, are not counted. They
/// start at 0 when the exporter starts.
public struct InterfaceByteCounters: Sendable {
    public struct Bytes: Sendable, Equatable {
        public var acked: UInt64 = 0
        public var received: UInt64 = 0
        public var retransmitted: UInt64 = 0
        public init(acked: UInt64 = 0, received: UInt64 = 0, retransmitted: UInt64 = 0) {
            self.acked = acked
            self.received = received
            self.retransmitted = retransmitted
        }
        mutating func add(_ other: Bytes) {
            acked &+= other.acked
            received &+= other.received
            retransmitted &+= other.retransmitted
        }
        /// What `self` has beyond `earlier`, field by field, never below 0.
        func minus(_ earlier: Bytes) -> Bytes {
            Bytes(acked: acked > earlier.acked ? acked - earlier.acked : 0,
                  received: received > earlier.received ? received - earlier.received : 0,
                  retransmitted: retransmitted > earlier.retransmitted ? retransmitted - earlier.retransmitted : 0)
        }
    }

    /// A subflow as the last scrape that saw it saw it.
    private struct LiveSubflow {
        var interface: String
        var bytes: Bytes
        /// The update that saw it last.
        var generation: UInt64
    }

    private var live: [UInt64: LiveSubflow] = [:]
    private var closed: [String: Bytes] = [:]
    private var generation: UInt64 = 0
    /// Subflows gone from a dump without a notification, kept for a few
    /// updates in case the notification was only late (the kernel sends it
    /// from a work queue, after the socket left the tables).
    private var swept: [UInt64: LiveSubflow] = [:]
    /// Updates a swept subflow waits for its notification.
    static let sweptGenerations: UInt64 = 3

    /// Subflows counted from a notification, and gone without one (their
    /// bytes counted up to the last scrape that saw them).
    public private(set) var closedByNotification: UInt64 = 0
    public private(set) var closedWithoutNotification: UInt64 = 0

    public init() {}

    /// Number of subflows remembered (bounded by the subflows open at the last
    /// scrape, and those gone in the last three).
    public var trackedSubflows: Int { live.count + swept.count }

    /// The cookies of the subflows open at the last update.
    public var liveCookies: Set<UInt64> { Set(live.keys) }

    /// Whether a subflow with this cookie is remembered (open at the last
    /// update, or gone recently without a notification), and on which interface.
    public func interface(ofCookie cookie: UInt64) -> String? {
        live[cookie]?.interface ?? swept[cookie]?.interface
    }

    /// A subflow's destroy notification with its final values. Between
    /// ``beginUpdate()`` and ``finishUpdate()``, after the dump was recorded,
    /// so that a subflow the dump saw just before it closed is not counted
    /// twice. `interface`: where it ran, for a subflow no dump saw.
    public mutating func close(_ notification: SubflowClose, interface: String) {
        let cookie = notification.cookie
        if let previous = live.removeValue(forKey: cookie) {
            if previous.generation == generation { sums.subtract(previous.bytes, from: previous.interface) }
            closed[previous.interface, default: Bytes()].add(notification.bytes)
        } else if let previous = swept.removeValue(forKey: cookie) {
            // Its last-seen values are already in the total: add what it carried since.
            closed[previous.interface, default: Bytes()].add(notification.bytes.minus(previous.bytes))
            closedWithoutNotification &-= 1
        } else {
            closed[interface, default: Bytes()].add(notification.bytes)
        }
        closedByNotification &+= 1
    }

    /// Bytes of the subflows recorded since ``beginUpdate()``.
    private var sums = InterfaceSums()

    /// Starts an update: the subflows ``record(_:)`` sees until
    /// ``finishUpdate()`` are the ones open now. Starting again before
    /// finishing drops the sums of the unfinished update (the subflows it
    /// recorded stay remembered, with the values it saw).
    public mutating func beginUpdate() {
        generation &+= 1
        sums = InterfaceSums()
    }

    /// One subflow of the update (``SubflowObserver`` calls this as the
    /// join attaches each subflow): one hash lookup; its entry is updated in
    /// place and marked with the update's generation.
    public mutating func record(_ subflow: Subflow) {
        guard let tcp = subflow.tcp else { return }
        record(cookie: subflow.cookie, interface: subflow.interface ?? "unknown",
               bytes: Bytes(acked: tcp.bytesAcked ?? 0, received: tcp.bytesReceived ?? 0, retransmitted: tcp.bytesRetrans ?? 0))
    }

    /// Ends the update and returns the bytes per interface: the subflows not
    /// recorded in it have closed, and their last values join the closed totals.
    public mutating func finishUpdate() -> [String: Bytes] {
        var gone: [UInt64] = []
        for (cookie, subflow) in live where subflow.generation != generation {
            closed[subflow.interface, default: Bytes()].add(subflow.bytes)
            gone.append(cookie)
        }
        for cookie in gone {
            swept[cookie] = live.removeValue(forKey: cookie)
            closedWithoutNotification &+= 1
        }
        if !swept.isEmpty {
            swept = swept.filter { generation &- $0.value.generation <= Self.sweptGenerations }
        }
        var totals = closed
        for (slot, name) in sums.names.enumerated() { totals[name, default: Bytes()].add(sums.bytes[slot]) }
        sums = InterfaceSums()
        return totals
    }

    private mutating func record(cookie: UInt64, interface: String, bytes: Bytes) {
        let current = LiveSubflow(interface: interface, bytes: bytes, generation: generation)
        guard let index = live.index(forKey: cookie) else {
            live[cookie] = current
            sums.add(bytes, to: interface)
            return
        }
        let previous = live.values[index]
        if previous.generation == generation {
            // The same cookie twice in one dump: count it once.
            sums.subtract(previous.bytes, from: previous.interface)
        } else if previous.interface != interface || bytes.acked < previous.bytes.acked
                    || bytes.received < previous.bytes.received || bytes.retransmitted < previous.bytes.retransmitted {
            // Not the same socket any more (a reused cookie, or the path changed): close the old one.
            closed[previous.interface, default: Bytes()].add(previous.bytes)
        }
        live.values[index] = current
        sums.add(bytes, to: interface)
    }
}

/// Bytes of the subflows open now, per interface in first-seen order (a
/// handful of names; consecutive subflows mostly share one).
private struct InterfaceSums {
    var names: [String] = []
    var bytes: [InterfaceByteCounters.Bytes] = []
    private var last = -1

    private mutating func slot(_ name: String) -> Int {
        if last >= 0, names[last] == name { return last }
        if let found = names.firstIndex(of: name) {
            last = found
        } else {
            last = names.count
            names.append(name)
            bytes.append(InterfaceByteCounters.Bytes())
        }
        return last
    }

    mutating func add(_ value: InterfaceByteCounters.Bytes, to name: String) {
        bytes[slot(name)].add(value)
    }

    mutating func subtract(_ value: InterfaceByteCounters.Bytes, from name: String) {
        let index = slot(name)
        bytes[index].acked &-= value.acked
        bytes[index].received &-= value.received
        bytes[index].retransmitted &-= value.retransmitted
    }
}
