/// Receives each subflow as the join attaches it to its connection.
///
/// Per-subflow bookkeeping done after the join walks tens of thousands of
/// subflows scattered over as many arrays, and looks each one up in a table
/// as large: on a busy proxy that walk waits on memory for milliseconds,
/// after the dumps, on the scrape's critical path. Done here, it happens
/// while the subflow is still in cache and while the kernel is filling the
/// next datagram (``ConnectionJoiner/addTCP(_:)``, BENCHMARKS.md).
public protocol SubflowObserver {
    /// A new attempt at reading every socket (a dump the kernel flagged as
    /// interrupted restarts the read): forget what the previous attempt saw.
    mutating func restart()
    /// A subflow the join attached to its connection (not the unmatched ones).
    mutating func observe(_ subflow: Subflow)
}

/// Observes nothing.
public struct NoSubflowObserver: SubflowObserver {
    public init() {}
    public mutating func restart() {}
    public mutating func observe(_ subflow: Subflow) {}
}

/// What the connections collector keeps of the subflows of one read: the
/// per-interface byte counters (kept across scrapes) and the tallies of the
/// bounded families.
public struct SubflowBookkeeping: SubflowObserver {
    public var bytes: InterfaceByteCounters
    public private(set) var tally = ConnectionFamilies.SubflowTally()

    public init(bytes: InterfaceByteCounters = InterfaceByteCounters()) {
        self.bytes = bytes
    }

    public mutating func restart() {
        bytes.beginUpdate()
        tally = ConnectionFamilies.SubflowTally()
    }

    public mutating func observe(_ subflow: Subflow) {
        bytes.record(subflow)
        tally.add(subflow)
    }
}
