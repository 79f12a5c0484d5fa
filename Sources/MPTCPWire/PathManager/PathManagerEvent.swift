/// One path-manager event of the `mptcp_pm_events` multicast group (what
/// `ip mptcp monitor` prints).
public struct PathManagerEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable, Hashable {
        case created, established, closed, announced, removed
        case subflowEstablished, subflowClosed, subflowPriority
        case listenerCreated, listenerClosed
        case unknown(UInt8)

        public init(_ command: UInt8) {
            switch command {
            case 1: self = .created
            case 2: self = .established
            case 3: self = .closed
            case 6: self = .announced
            case 7: self = .removed
            case 10: self = .subflowEstablished
            case 11: self = .subflowClosed
            case 13: self = .subflowPriority
            case 15: self = .listenerCreated
            case 16: self = .listenerClosed
            default: self = .unknown(command)
            }
        }

        /// The `type` label: `created`, `sub_closed`, `unknown`, …
        public var name: String {
            switch self {
            case .created: return "created"
            case .established: return "established"
            case .closed: return "closed"
            case .announced: return "announced"
            case .removed: return "removed"
            case .subflowEstablished: return "sub_established"
            case .subflowClosed: return "sub_closed"
            case .subflowPriority: return "sub_priority"
            case .listenerCreated: return "listener_created"
            case .listenerClosed: return "listener_closed"
            case .unknown: return "unknown"
            }
        }

        /// Every known kind, in enum order (the counters always carry these).
        public static let known: [Kind] = [
            .created, .established, .closed, .announced, .removed,
            .subflowEstablished, .subflowClosed, .subflowPriority, .listenerCreated, .listenerClosed,
        ]
    }

    public var kind: Kind
    public var token: UInt32?
    public var family: UInt16?
    public var localID: UInt8?
    public var remoteID: UInt8?
    public var source: IPAddress?
    public var destination: IPAddress?
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    public var backup: UInt8?
    /// `sk_err` of a closed subflow (errno), when non-zero.
    public var error: UInt8?
    public var flags: UInt16?
    public var timeout: UInt32?
    public var interfaceIndex: Int32?
    /// RFC 8684 MP_RST reason of a closed subflow that received one.
    public var resetReason: UInt32?
    public var resetFlags: UInt32?
    public var serverSide: UInt8?
    /// When the exporter received it (seconds since 1970), set by the listener.
    public var receivedAt: Double = 0

    enum Attribute {
        static let token: UInt16 = 1, family: UInt16 = 2, localID: UInt16 = 3, remoteID: UInt16 = 4
        static let source4: UInt16 = 5, source6: UInt16 = 6, destination4: UInt16 = 7, destination6: UInt16 = 8
        static let sourcePort: UInt16 = 9, destinationPort: UInt16 = 10, backup: UInt16 = 11, error: UInt16 = 12
        static let flags: UInt16 = 13, timeout: UInt16 = 14, interfaceIndex: UInt16 = 15
        static let resetReason: UInt16 = 16, resetFlags: UInt16 = 17, serverSide: UInt16 = 18
    }

    public init(kind: Kind) { self.kind = kind }

    /// Decodes one event message; unknown attributes are skipped, an unknown
    /// command is kept as ``Kind/unknown(_:)``. A malformed list or a known
    /// attribute of the wrong size is an error (never a field silently 0).
    public init(_ message: NetlinkMessage) throws(NetlinkDecodeError) {
        let (command, _, attributes) = try GenericNetlink.split(message)
        var event = PathManagerEvent(kind: Kind(command))
        try NetlinkAttributes.each(attributes) { attribute throws(NetlinkDecodeError) in
            switch attribute.type {
            case Attribute.token: event.token = try attribute.u32("MPTCP_ATTR_TOKEN")
            case Attribute.family: event.family = try attribute.u16("MPTCP_ATTR_FAMILY")
            case Attribute.localID: event.localID = try attribute.u8("MPTCP_ATTR_LOC_ID")
            case Attribute.remoteID: event.remoteID = try attribute.u8("MPTCP_ATTR_REM_ID")
            case Attribute.source4: event.source = try attribute.address("MPTCP_ATTR_SADDR4", family: IPAddress.inet)
            case Attribute.source6: event.source = try attribute.address("MPTCP_ATTR_SADDR6", family: IPAddress.inet6)
            case Attribute.destination4: event.destination = try attribute.address("MPTCP_ATTR_DADDR4", family: IPAddress.inet)
            case Attribute.destination6: event.destination = try attribute.address("MPTCP_ATTR_DADDR6", family: IPAddress.inet6)
            // Network order, unlike endpoint ports.
            case Attribute.sourcePort: event.sourcePort = try attribute.u16be("MPTCP_ATTR_SPORT")
            case Attribute.destinationPort: event.destinationPort = try attribute.u16be("MPTCP_ATTR_DPORT")
            case Attribute.backup: event.backup = try attribute.u8("MPTCP_ATTR_BACKUP")
            case Attribute.error: event.error = try attribute.u8("MPTCP_ATTR_ERROR")
            case Attribute.flags: event.flags = try attribute.u16("MPTCP_ATTR_FLAGS")
            case Attribute.timeout: event.timeout = try attribute.u32("MPTCP_ATTR_TIMEOUT")
            case Attribute.interfaceIndex: event.interfaceIndex = try attribute.i32("MPTCP_ATTR_IF_IDX")
            case Attribute.resetReason: event.resetReason = try attribute.u32("MPTCP_ATTR_RESET_REASON")
            case Attribute.resetFlags: event.resetFlags = try attribute.u32("MPTCP_ATTR_RESET_FLAGS")
            case Attribute.serverSide: event.serverSide = try attribute.u8("MPTCP_ATTR_SERVER_SIDE")
            default: break
            }
        }
        self = event
    }

    /// MP_RST reason names (RFC 8684 §3.6).
    public static func resetReasonName(_ reason: UInt32) -> String {
        switch reason {
        case 0: return "unspecified"
        case 1: return "mptcp_error"
        case 2: return "lack_of_resources"
        case 3: return "administratively_prohibited"
        case 4: return "too_much_outstanding_data"
        case 5: return "unacceptable_performance"
        case 6: return "middlebox_interference"
        default: return "reason_\(reason)"
        }
    }

    /// One line in the spirit of `ip mptcp monitor`.
    public var summary: String {
        var parts = ["[\(kind.name)]"]
        if let token { parts.append("token=\(hex8(token))") }
        if let remoteID { parts.append("remid=\(remoteID)") }
        if let localID { parts.append("locid=\(localID)") }
        if let source { parts.append("saddr=\(source)") }
        if let destination { parts.append("daddr=\(destination)") }
        if let sourcePort { parts.append("sport=\(sourcePort)") }
        if let destinationPort { parts.append("dport=\(destinationPort)") }
        if let backup { parts.append("backup=\(backup)") }
        if let interfaceIndex { parts.append("ifindex=\(interfaceIndex)") }
        if let error { parts.append("error=\(ErrnoNames.name(Int32(error)))") }
        if let resetReason { parts.append("reset_reason=\(Self.resetReasonName(resetReason))") }
        if case let .unknown(command) = kind { parts.append("command=\(command)") }
        return parts.joined(separator: " ")
    }
}

/// What the event listener has seen: counts by kind, closed subflows by
/// error and reset reason, and a bounded ring of the most recent events.
public struct PathManagerEventLog: Sendable {
    public private(set) var countsByKind: [String: UInt64] = [:]
    /// Event messages that could not be decoded (a malformed attribute list or
    /// a field of the wrong size): counted, never recorded half-read.
    public var malformed: UInt64 = 0
    /// Key: (error text, reset reason text).
    public private(set) var closedSubflows: [SubflowCloseKey: UInt64] = [:]
    public private(set) var recent: [PathManagerEvent] = []
    public let capacity: Int
    /// Events the kernel dropped because the socket buffer was full (ENOBUFS).
    public var lost: UInt64 = 0

    public struct SubflowCloseKey: Sendable, Hashable {
        public var error: String
        public var resetReason: String
        public init(error: String, resetReason: String) {
            self.error = error
            self.resetReason = resetReason
        }
    }

    public init(capacity: Int = 256) {
        self.capacity = max(1, capacity)
        for kind in PathManagerEvent.Kind.known { countsByKind[kind.name] = 0 }
        countsByKind[PathManagerEvent.Kind.unknown(0).name] = 0
    }

    public mutating func record(_ event: PathManagerEvent) {
        countsByKind[event.kind.name, default: 0] &+= 1
        if event.kind == .subflowClosed {
            let key = SubflowCloseKey(
                error: event.error.map { ErrnoNames.name(Int32($0)) } ?? "none",
                resetReason: event.resetReason.map(PathManagerEvent.resetReasonName) ?? "none")
            closedSubflows[key, default: 0] &+= 1
        }
        recent.append(event)
        if recent.count > capacity { recent.removeFirst(recent.count - capacity) }
    }
}
