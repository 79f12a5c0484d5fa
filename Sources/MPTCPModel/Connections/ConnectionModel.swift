import MPTCPWire
/// One subflow of an MPTCP connection: a TCP socket with the `mptcp` ULP.
public struct Subflow: Sendable, Equatable {
    public var family: UInt8
    public var state: UInt8
    public var local: IPAddress
    public var localPort: UInt16
    public var remote: IPAddress
    public var remotePort: UInt16
    /// Device the socket is bound to (0: not bound).
    public var boundInterfaceIndex: UInt32
    /// The bound device's name, or the interface that owns the local address.
    public var interface: String?
    public var cookie: UInt64
    public var inode: UInt32
    public var localID: UInt8?
    public var remoteID: UInt8?
    public var localToken: UInt32?
    public var remoteToken: UInt32?
    /// MPTCP_SUBFLOW_FLAG_* bits; nil when the kernel did not send them.
    public var flags: UInt32?
    public var tcp: TCPInfo?

    /// Opened with MP_JOIN; false for the initial (MP_CAPABLE) subflow.
    public var isJoin: Bool? {
        flags.map { $0 & (SubflowInfo.joinLocal | SubflowInfo.joinRemote) != 0 }
    }
    /// Backup priority on either side.
    public var isBackup: Bool? {
        flags.map { $0 & (SubflowInfo.backupLocal | SubflowInfo.backupRemote) != 0 }
    }
    /// The flags as `ss` prints them (`Jjec`).
    public var flagLetters: String { flags.map(SubflowInfo.letters) ?? "" }
    public var isFullyEstablished: Bool? { flags.map { $0 & SubflowInfo.fullyEstablished != 0 } }
    public var role: SubflowRole { isJoin.map { $0 ? .join : .initial } ?? .unknown }
    public var priority: SubflowPriority { isBackup.map { $0 ? .backup : .active } ?? .unknown }
    public var localEndpoint: String { local.endpoint(port: localPort) }
    public var remoteEndpoint: String { remote.endpoint(port: remotePort) }
}

/// One MPTCP connection (the MPTCP socket, "msk") with its subflows.
public struct Connection: Sendable, Equatable {
    /// Local token (`mptcpi_token`); nil only if the kernel sent no mptcp_info.
    public var token: UInt32?
    public var family: UInt8
    public var state: UInt8
    public var local: IPAddress
    public var localPort: UInt16
    public var remote: IPAddress
    public var remotePort: UInt16
    public var inode: UInt32
    public var info: MPTCPInfo?
    public var subflows: [Subflow]

    /// Fell back to TCP (`MPTCP_INFO_FLAG_FALLBACK`).
    public var isFallback: Bool { info?.isFallback ?? false }
    public var stateName: String { TCPState.name(state) }
    public var connectionState: ConnectionState { ConnectionState(number: state) }
    public var localEndpoint: String { local.endpoint(port: localPort) }
    public var remoteEndpoint: String { remote.endpoint(port: remotePort) }
    public var tokenHex: String { token.map { hex8($0) } ?? "-" }
}

/// An MPTCP listening socket.
public struct Listener: Sendable, Equatable {
    public var family: UInt8
    public var local: IPAddress
    public var localPort: UInt16
    public var inode: UInt32
    public var endpoint: String { local.endpoint(port: localPort) }
}

/// Every MPTCP connection, subflow and listener of a namespace at one moment.
public struct ConnectionSnapshot: Sendable, Equatable {
    public var connections: [Connection] = []
    public var listeners: [Listener] = []
    /// Subflows whose token and inode match no MPTCP connection of the dump
    /// (a connection that closed between the two dumps).
    public var unmatchedSubflows: [Subflow] = []
    /// Fields the kernel did not give to this (unprivileged) reader.
    public var missingFields: Set<MissingField> = []

    public init() {}

    public enum MissingField: String, Sendable, CaseIterable, Comparable {
        /// No `INET_DIAG_ULP_INFO` at all on subflows (kernels before 6.15 without CAP_NET_ADMIN):
        /// no tokens, address ids or flags; subflows are joined by inode, role and priority unknown.
        case subflowContext = "subflow_context"
        /// Sequence numbers of the subflow mapping (CAP_NET_ADMIN only).
        case subflowSequence = "subflow_sequence"
        /// `mptcp_info` missing on connections.
        case mptcpInfo = "mptcp_info"
        public static func < (lhs: MissingField, rhs: MissingField) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var subflowCount: Int { connections.reduce(0) { $0 + $1.subflows.count } }
}
