import MPTCPWire
/// A diagnostic report: what the host is, how MPTCP is configured, what its
/// connections do, every Case diagram with its values and their change over
/// the interval, the path-manager events, and the findings. Encoded as JSON
/// it is the stable, documented schema `mptcp-exporter/report/v1` (keys in
/// snake case; see README).
public struct Report: Sendable, Codable, Equatable {
    public static let schemaName = "mptcp-exporter/report/v1"

    public var schema = Report.schemaName
    public var host: Host
    public var intervalSeconds: Double
    public var sampledAt: [Double]
    public var pathManager: PathManager
    public var connections: Connections
    public var diagrams: [Diagram]
    public var tcp: [Counter]
    public var events: Events
    public var findings: [Finding]
    public var collectionErrors: [String]
    /// Connections that ended during the interval (the subflow ledger).
    public var ended = Ended()

    public struct Ended: Sendable, Codable, Equatable {
        /// Whether the kernel's destroy notifications were received over the interval.
        public var available = false
        public var unavailableReason: String?
        public var list: [ClosedConnection] = []
        public init() {}
    }

    public struct Host: Sendable, Codable, Equatable {
        public var hostname: String
        public var kernel: String
        public var mptcpEnabled: Bool?
        public var pathManager: String?
        public var scheduler: String?
        public var sysctls: [String: String]
    }

    public struct PathManager: Sendable, Codable, Equatable {
        public var available: Bool
        public var endpoints: [EndpointEntry]
        public var limits: Limits?
        public var routeChecks: [RouteCheck]
    }

    public struct EndpointEntry: Sendable, Codable, Equatable {
        public var id: Int
        public var address: String
        public var port: Int?
        public var interface: String?
        public var flags: [String]
    }

    public struct Limits: Sendable, Codable, Equatable {
        public var subflows: Int?
        public var addAddrAccepted: Int?
    }

    public struct Connections: Sendable, Codable, Equatable {
        public var count: Int
        public var fallback: Int
        public var fallbackShare: Double?
        public var subflows: Int
        public var listeners: Int
        /// Number of subflows → number of connections with that many.
        public var bySubflowCount: [String: Int]
        public var byInterface: [InterfaceEntry]
        public var list: [ConnectionEntry]
    }

    public struct InterfaceEntry: Sendable, Codable, Equatable {
        public var interface: String
        public var subflows: Int
        public var bytesAcked: UInt64
        public var bytesReceived: UInt64
        /// Share of all subflow bytes (acked + received) on this interface.
        public var share: Double?
    }

    public struct ConnectionEntry: Sendable, Codable, Equatable {
        public var token: String
        public var local: String
        public var remote: String
        public var state: ConnectionState
        public var fallback: Bool
        public var subflows: [SubflowEntry]
        /// Why it has the paths it has (nil in reports made before verdicts existed).
        public var verdict: Verdict?
    }

    public struct SubflowEntry: Sendable, Codable, Equatable {
        public var local: String
        public var remote: String
        public var interface: String?
        public var role: SubflowRole
        public var priority: SubflowPriority
        public var bytesAcked: UInt64?
        public var bytesReceived: UInt64?
    }

    public struct Diagram: Sendable, Codable, Equatable {
        public var id: String
        public var title: String
        public var counters: [Counter]
    }

    public struct Counter: Sendable, Codable, Equatable {
        public var name: String
        public var role: CounterRole?
        public var lane: String?
        public var value: UInt64
        /// Change between the two samples; nil when the counter went backwards (reset).
        public var change: UInt64?
    }

    public struct Events: Sendable, Codable, Equatable {
        public var available: Bool
        public var unavailableReason: String?
        public var byType: [String: Int]
        public var list: [String]
    }

    public struct Finding: Sendable, Codable, Equatable {
        public enum Severity: String, Sendable, Codable, Comparable {
            case critical, warning, info
            var rank: Int { self == .critical ? 0 : self == .warning ? 1 : 2 }
            public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
        }
        public var id: String
        public var severity: Severity
        public var title: String
        /// The numbers that triggered it.
        public var evidence: [Evidence]
        public var meaning: String
        public var action: String
    }

    public struct Evidence: Sendable, Codable, Equatable {
        public var name: String
        public var value: String
        public var change: String?
    }
}
