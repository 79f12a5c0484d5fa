import MPTCPWire

/// A connection that ended, as the ledger saw it: for the recently-closed
/// list of `/api/v1/snapshot`, `mptcp-top` and the report.
public struct ClosedConnection: Sendable, Codable, Equatable {
    public struct Subflow: Sendable, Codable, Equatable {
        public var local: String
        public var remote: String
        public var interface: String
        public var bytesAcked: UInt64
        public var bytesReceived: UInt64
        /// How it ended: `with_connection`, an errno name or `MP_RST <reason>`
        /// from its `sub_closed` event, or `unobserved` (no notification).
        public var end: String
        /// Seconds from its establishment to its destroy notification, when both were seen.
        public var lifetime: Double?
        /// Its byte counts are the kernel's final values (false: the last scrape's).
        public var exact: Bool

        public init(local: String, remote: String, interface: String, bytesAcked: UInt64, bytesReceived: UInt64,
                    end: String, lifetime: Double?, exact: Bool) {
            self.local = local
            self.remote = remote
            self.interface = interface
            self.bytesAcked = bytesAcked
            self.bytesReceived = bytesReceived
            self.end = end
            self.lifetime = lifetime
            self.exact = exact
        }
    }

    public struct InterfaceBytes: Sendable, Codable, Equatable {
        public var interface: String
        public var bytesAcked: UInt64
        public var bytesReceived: UInt64

        public init(interface: String, bytesAcked: UInt64, bytesReceived: UInt64) {
            self.interface = interface
            self.bytesAcked = bytesAcked
            self.bytesReceived = bytesReceived
        }
    }

    public init(token: String, local: String, remote: String, endedAt: Double, duration: Double?, end: String,
                subflows: [Subflow], interfaces: [InterfaceBytes], namespace: String? = nil) {
        self.token = token
        self.local = local
        self.remote = remote
        self.endedAt = endedAt
        self.duration = duration
        self.end = end
        self.subflows = subflows
        self.interfaces = interfaces
        self.namespace = namespace
    }

    public var token: String
    public var local: String
    public var remote: String
    /// When it ended (CLOCK_REALTIME seconds).
    public var endedAt: Double
    /// Seconds from `created` to `closed`; nil when its start was not seen
    /// (it opened before the exporter, or without path-manager events).
    public var duration: Double?
    /// Why it ended as far as the kernel said: `closed` (the path manager's
    /// `closed` event), or `gone` (absent from a dump, no event).
    public var end: String
    public var subflows: [Subflow]
    public var interfaces: [InterfaceBytes]
    /// The watched namespace it was in, when a snapshot merges several.
    public var namespace: String?

    /// How its subflows ended, in a few words: `closed`, or the errors by interface (`c2 ECONNRESET`).
    public var endSummary: String {
        let errors = subflows.filter { $0.end != "with_connection" }.map { "\($0.interface) \($0.end)" }
        return ([end] + errors).joined(separator: "; ")
    }

    public var bytes: UInt64 { subflows.reduce(0) { $0 &+ $1.bytesAcked &+ $1.bytesReceived } }
}
