/// Bytes carried per interface by MPTCP subflows, as counters that never go
/// backwards.
///
/// Summing the byte counters of the subflows open now would drop whenever a
/// connection closes, which Prometheus reads as a counter reset. Instead each
/// subflow (keyed by its socket cookie) is remembered with the values of the
/// last scrape that saw it; when it is gone, those values move into a per-
/// interface total of closed subflows. So the counters cover every subflow
/// seen by at least one scrape, up to that scrape: bytes a subflow carried
/// after the last scrape before it closed, and subflows that lived entirely
/// between two scrapes, are not counted. They start at 0 when the exporter starts.
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

    public init() {}

    /// Number of subflows remembered (bounded by the subflows open at the last scrape).
    public var trackedSubflows: Int { live.count }

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
        for cookie in gone { live.removeValue(forKey: cookie) }
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
