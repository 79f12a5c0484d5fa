import MPTCPWire

/// How to probe: one named entry of the probe configuration (blackbox
/// exporter's modules), or the flags of `mptcp-exporter probe`.
public struct ProbeModule: Sendable, Equatable {
    /// The whole probe's deadline, seconds (capped by Prometheus's scrape timeout on /probe).
    public var timeout: Double = 5
    /// How long to wait after the connection for additional subflows and
    /// announcements, seconds (within the deadline). The probe ends earlier
    /// when every expected subflow is up.
    public var subflowWait: Double = 2
    /// Bind the probe to this source address.
    public var sourceAddress: IPAddress?
    /// Bind the probe to this interface (SO_BINDTODEVICE).
    public var sourceInterface: String?
    /// Send this after connecting…
    public var payload: [UInt8]?
    /// …and require an answer of at least one byte.
    public var expectAnswer = false
    /// Success needs at least this many subflows up (the initial one included).
    public var minSubflows = 1
    /// Success even when the connection fell back to TCP.
    public var allowFallback = false
    /// Which address family of a name to use.
    public var ipProtocol: IPProtocol = .any

    public enum IPProtocol: String, Sendable, CaseIterable {
        case any, ip4, ip6
    }

    public init() {}
}
