import MPTCPWire
/// The typed words of the connection view model (snapshot JSON, report,
/// `mptcp-top`): enums inside, the same strings at the edges (JSON, labels,
/// text), so the documented schemas do not change. A value this version does
/// not know (from another exporter's JSON) decodes as `unknown`, never as an
/// error that would lose the whole snapshot.
public protocol TolerantStringEnum: RawRepresentable, Codable, Sendable, Hashable, CaseIterable where RawValue == String {
    static var unknownCase: Self { get }
}

extension TolerantStringEnum {
    public init(from decoder: any Decoder) throws {
        self = Self(rawValue: try decoder.singleValueContainer().decode(String.self)) ?? Self.unknownCase
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// How a subflow joined its connection.
public enum SubflowRole: String, TolerantStringEnum {
    /// The connection's first subflow (MP_CAPABLE).
    case initial
    /// Added by MP_JOIN.
    case join
    /// The kernel did not say (no subflow context without CAP_NET_ADMIN before 6.15).
    case unknown
    public static var unknownCase: SubflowRole { .unknown }
}

/// Whether a subflow carries data now or stands by.
public enum SubflowPriority: String, TolerantStringEnum {
    case active, backup, unknown
    public static var unknownCase: SubflowPriority { .unknown }
}

/// A socket's TCP state, as `ss` names it.
public enum ConnectionState: String, TolerantStringEnum {
    case established
    case synSent = "syn_sent"
    case synReceived = "syn_recv"
    case finWait1 = "fin_wait1"
    case finWait2 = "fin_wait2"
    case timeWait = "time_wait"
    case close
    case closeWait = "close_wait"
    case lastAck = "last_ack"
    case listen
    case closing
    case newSynReceived = "new_syn_recv"
    case boundInactive = "bound_inactive"
    case unknown
    public static var unknownCase: ConnectionState { .unknown }

    /// From the kernel's number (`enum tcp_state`).
    public init(number: UInt8) {
        self = ConnectionState(rawValue: TCPState.name(number)) ?? .unknown
    }
}

extension CounterRole: Codable {}
