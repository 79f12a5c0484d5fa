import MPTCPWire

/// What one probe saw, as facts: the probe's own socket at its stages, its
/// own path-manager events, and this host's path-manager configuration. The
/// verdict (``ProbeResult/evaluate(_:module:moduleName:)``) is a pure
/// function of it, so every stage can be tested on recorded facts.
public struct ProbeObservation: Sendable {
    public var target: ProbeTarget
    /// The address probed (the target's name resolved).
    public var address: SocketAddress?
    /// Why the target could not be resolved or reached at all, when it could not.
    public var resolveError: String?
    /// `socket(IPPROTO_MPTCP)` or binding failed: its errno.
    public var socketErrno: Int32?
    public var socketError: String?
    /// `connect` failed: its errno (ETIMEDOUT when the deadline passed).
    public var connectErrno: Int32?
    public var connectSeconds: Double?
    public var local: SocketAddress?
    /// `TCP_INFO` right after the connection: the initial subflow's, or the
    /// TCP connection's after a fallback (its SYN retransmissions tell the stage).
    public var tcpAtConnect: TCPInfo?
    /// Whether SOL_MPTCP options answered right after the connection (they
    /// fail with EOPNOTSUPP once a connection fell back to TCP).
    public var mptcpAtConnect = false
    /// The last look at the socket before closing it, and whether it was still MPTCP then.
    public var info: MPTCPSocketInfo?
    public var mptcpAtEnd = false
    /// Sending the payload or reading the answer failed.
    public var exchangeError: String?
    public var answerBytes: Int?
    /// The probe's own path-manager events; nil when they could not be seen (``eventsUnavailable`` says why).
    public var events: [PathManagerEvent]?
    public var eventsUnavailable: String?
    public var endpoints: [Endpoint]?
    public var limits: PathManagerLimits?
    /// `net.mptcp.path_manager` (or `pm_type`) of the probe's namespace.
    public var pathManager: String?
    /// `MPCapableSYNTXDisabled` of the probe's namespace just before and just
    /// after the connection: it rises when the kernel, after a blackhole,
    /// sends SYNs without MPTCP (a host-wide state, so the rise around the
    /// probe's own SYN is evidence about it even with other traffic).
    public var activeDisabledBefore: UInt64?
    public var activeDisabledAfter: UInt64?
    /// `net.mptcp.blackhole_timeout`, when the kernel has it.
    public var blackholeTimeout: Int?
    /// `net.mptcp.syn_retrans_before_tcp_fallback`, when the kernel has it.
    public var synRetransmitsBeforeFallback: Int?
    public var interfaces = InterfaceTable()
    public var durationSeconds: Double = 0
    /// What the probe did, step by step (`debug=true`).
    public var log: [String] = []

    public init(target: ProbeTarget) { self.target = target }
}
