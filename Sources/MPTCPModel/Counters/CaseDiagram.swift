/// A Case diagram: the flow of packets through one stage of the protocol, the
/// lines (counters) it crosses and the branches where packets leave it.
///
/// The notation is the one of J. Case and C. Partridge (1989) as used by the
/// reference document (chapter 2.3.2): a thick arrow is the flow (received
/// packets go up, sent packets go down), a line crossing it is a counter every
/// packet passing that point increments, a small arrow leaving it is a branch
/// with its counter. A group with several independent flows (address
/// management, the data path) has one lane per flow.
public struct CaseDiagram: Sendable, Identifiable, Hashable {
    /// Stable identifier, used as the `diagram` label: `mp_capable_active`, …
    public let id: String
    /// Title as drawn: "MP_CAPABLE, active opens".
    public let title: String
    /// What the diagram shows and how to read it, in an operator's words.
    public let summary: String
    /// TCP counters to read the diagram against (nstat names: `TcpActiveOpens`).
    public let readAgainst: [String]
    /// The flows drawn side by side.
    public let lanes: [Lane]

    public struct Lane: Sendable, Hashable {
        public let title: String
        public let direction: FlowDirection
        public init(_ title: String, _ direction: FlowDirection) {
            self.title = title
            self.direction = direction
        }
    }

    public init(id: String, title: String, summary: String, readAgainst: [String] = [], lanes: [Lane]) {
        self.id = id
        self.title = title
        self.summary = summary
        self.readAgainst = readAgainst
        self.lanes = lanes
    }
}

/// Which way the packets of a lane travel.
public enum FlowDirection: String, Sendable, Hashable {
    /// Received packets, drawn going up.
    case inbound
    /// Sent packets, drawn going down.
    case outbound
    /// Not a packet flow: a state (a gauge) or events in both directions.
    case state
}

/// Where a counter sits in its diagram.
public enum CounterRole: String, Sendable, Hashable, CaseIterable {
    /// The line the flow crosses when it enters the stage.
    case entry
    /// A line crossed on the way, after which the flow goes on (`MPJoinAckRx`).
    case pass
    /// A branch: packets that leave the flow here (fallback, drop, error).
    case branch
    /// The line where the flow completes the stage.
    case exit
    /// A subset of another line's packets counted separately (the backup or
    /// port variants of a join line); not part of the conservation sum.
    case detail
    /// A current value, not a flow (`MPCurrEstab`).
    case gauge
}

/// Whether a series only goes up (Prometheus counter) or goes up and down.
public enum CounterKind: String, Sendable, Hashable {
    case counter
    case gauge
}
