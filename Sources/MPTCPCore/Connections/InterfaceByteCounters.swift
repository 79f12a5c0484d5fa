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

    private var live: [UInt64: (interface: String, bytes: Bytes)] = [:]
    private var closed: [String: Bytes] = [:]

    public init() {}

    /// Number of subflows remembered (bounded by the subflows open at the last scrape).
    public var trackedSubflows: Int { live.count }

    /// Takes the subflows of a new scrape and returns the totals per interface.
    ///
    /// Two hash operations per subflow (take it out of the last scrape's
    /// map, put it in this one's); whatever is left in the old map closed.
    /// Interfaces are few, so their totals live in a short array searched by
    /// name, not in a dictionary hashing a String per subflow.
    public mutating func update(with snapshot: ConnectionSnapshot) -> [String: Bytes] {
        var previousLive = live
        live = [:]
        var current: [UInt64: (interface: String, bytes: Bytes)] = [:]
        current.reserveCapacity(previousLive.count)
        var names: [String] = []
        var sums: [Bytes] = []
        for connection in snapshot.connections {
            for subflow in connection.subflows {
                guard let tcp = subflow.tcp else { continue }
                let bytes = Bytes(acked: tcp.bytesAcked ?? 0, received: tcp.bytesReceived ?? 0,
                                  retransmitted: tcp.bytesRetrans ?? 0)
                let interface = subflow.interface ?? "unknown"
                if let previous = previousLive.removeValue(forKey: subflow.cookie),
                   previous.interface != interface || bytes.acked < previous.bytes.acked
                    || bytes.received < previous.bytes.received || bytes.retransmitted < previous.bytes.retransmitted {
                    // Not the same socket any more (a reused cookie, or the path changed): close the old one.
                    closed[previous.interface, default: Bytes()].add(previous.bytes)
                }
                if let existing = current.updateValue((interface, bytes), forKey: subflow.cookie) {
                    // The same cookie twice in one dump: count it once.
                    if let slot = names.firstIndex(of: existing.interface) {
                        sums[slot].acked &-= existing.bytes.acked
                        sums[slot].received &-= existing.bytes.received
                        sums[slot].retransmitted &-= existing.bytes.retransmitted
                    }
                }
                if let slot = names.firstIndex(of: interface) {
                    sums[slot].add(bytes)
                } else {
                    names.append(interface)
                    sums.append(bytes)
                }
            }
        }
        // Subflows of the last scrape not seen now have closed.
        for (_, previous) in previousLive {
            closed[previous.interface, default: Bytes()].add(previous.bytes)
        }
        live = current
        var totals = closed
        for (slot, name) in names.enumerated() { totals[name, default: Bytes()].add(sums[slot]) }
        return totals
    }
}
