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
    public mutating func update(with snapshot: ConnectionSnapshot) -> [String: Bytes] {
        var current: [UInt64: (interface: String, bytes: Bytes)] = [:]
        current.reserveCapacity(live.count)
        for connection in snapshot.connections {
            for subflow in connection.subflows {
                guard let tcp = subflow.tcp else { continue }
                let bytes = Bytes(acked: tcp.bytesAcked ?? 0, received: tcp.bytesReceived ?? 0,
                                  retransmitted: tcp.bytesRetrans ?? 0)
                let interface = subflow.interface ?? "unknown"
                if let previous = live[subflow.cookie],
                   previous.interface != interface || bytes.acked < previous.bytes.acked
                    || bytes.received < previous.bytes.received || bytes.retransmitted < previous.bytes.retransmitted {
                    // Not the same socket any more (a reused cookie, or the path changed): close the old one.
                    closed[previous.interface, default: Bytes()].add(previous.bytes)
                    live[subflow.cookie] = nil
                }
                current[subflow.cookie] = (interface, bytes)
            }
        }
        for (cookie, previous) in live where current[cookie] == nil {
            closed[previous.interface, default: Bytes()].add(previous.bytes)
        }
        live = current
        var totals = closed
        for (_, entry) in live { totals[entry.interface, default: Bytes()].add(entry.bytes) }
        return totals
    }
}
