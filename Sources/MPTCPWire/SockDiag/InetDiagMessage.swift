/// `struct inet_diag_msg` (72 bytes): the socket's identity and queues.
public struct InetDiagMessage: Sendable, Equatable {
    public var family: UInt8
    public var state: UInt8
    public var timer: UInt8
    public var retrans: UInt8
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var source: IPAddress
    public var destination: IPAddress
    /// Index of the device the socket is bound to, 0 if none.
    public var interfaceIndex: UInt32
    /// `idiag_cookie` as one 64-bit value (low word first).
    public var cookie: UInt64
    public var expires: UInt32
    public var receiveQueue: UInt32
    public var sendQueue: UInt32
    public var uid: UInt32
    public var inode: UInt32

    public static let size = 72

    /// Decodes the header of a sock_diag reply; nil if it is shorter than 72 bytes.
    public init?(_ bytes: ByteView) {
        guard bytes.count >= Self.size,
              let family = bytes.u8(0), let state = bytes.u8(1), let timer = bytes.u8(2), let retrans = bytes.u8(3),
              let sport = bytes.u16be(4), let dport = bytes.u16be(6),
              let src = IPAddress(family: bytes.u8(0) ?? 0, view: bytes, offset: 8),
              let dst = IPAddress(family: bytes.u8(0) ?? 0, view: bytes, offset: 24),
              let interface = bytes.u32(40), let cookieLow = bytes.u32(44), let cookieHigh = bytes.u32(48),
              let expires = bytes.u32(52), let rqueue = bytes.u32(56), let wqueue = bytes.u32(60),
              let uid = bytes.u32(64), let inode = bytes.u32(68)
        else { return nil }
        self.family = family
        self.state = state
        self.timer = timer
        self.retrans = retrans
        sourcePort = sport
        destinationPort = dport
        source = src
        destination = dst
        interfaceIndex = interface
        cookie = UInt64(cookieHigh) << 32 | UInt64(cookieLow)
        self.expires = expires
        receiveQueue = rqueue
        sendQueue = wqueue
        self.uid = uid
        self.inode = inode
    }
}

/// TCP states as `ss` names them.
public enum TCPState {
    public static func name(_ state: UInt8) -> String {
        switch state {
        case 1: return "established"
        case 2: return "syn_sent"
        case 3: return "syn_recv"
        case 4: return "fin_wait1"
        case 5: return "fin_wait2"
        case 6: return "time_wait"
        case 7: return "close"
        case 8: return "close_wait"
        case 9: return "last_ack"
        case 10: return "listen"
        case 11: return "closing"
        case 12: return "new_syn_recv"
        case 13: return "bound_inactive"
        default: return "unknown"
        }
    }
    public static let listen: UInt8 = 10
    public static let established: UInt8 = 1
}
