/// `struct mptcp_info`, decoded by the length the kernel returned.
///
/// The header this is built against is older than the running kernel, which
/// returns more fields: each field is read at its offset only when it lies
/// wholly inside the payload, otherwise it is nil ("this kernel does not say"),
/// never 0. Known sizes: 40 (5.9), 48 (5.12), 80 (6.5), 88 (6.8), 96 (6.10+);
/// longer payloads from future kernels decode the fields known here.
public struct MPTCPInfo: Sendable, Equatable {
    /// Bytes the kernel returned.
    public var length: Int
    /// Additional subflows (the initial one not counted).
    public var subflows: UInt8?
    public var addAddrSignal: UInt8?
    public var addAddrAccepted: UInt8?
    public var subflowsMax: UInt8?
    public var addAddrSignalMax: UInt8?
    public var addAddrAcceptedMax: UInt8?
    public var flags: UInt32?
    public var token: UInt32?
    public var writeSeq: UInt64?
    public var sndUna: UInt64?
    public var rcvNxt: UInt64?
    public var localAddrUsed: UInt8?
    public var localAddrMax: UInt8?
    public var csumEnabled: UInt8?
    public var retransmits: UInt32?
    public var bytesRetrans: UInt64?
    public var bytesSent: UInt64?
    public var bytesReceived: UInt64?
    public var bytesAcked: UInt64?
    /// Subflows including the initial one (6.8).
    public var subflowsTotal: UInt8?
    public var endpLaminarMax: UInt8?
    public var endpFullmeshMax: UInt8?
    /// Milliseconds since the last data sent, received, and ack received (6.10).
    public var lastDataSent: UInt32?
    public var lastDataRecv: UInt32?
    public var lastAckRecv: UInt32?

    public static let flagFallback: UInt32 = 1 << 0
    public static let flagRemoteKeyReceived: UInt32 = 1 << 1

    public init(_ bytes: ByteView) {
        length = bytes.count
        subflows = bytes.u8(0)
        addAddrSignal = bytes.u8(1)
        addAddrAccepted = bytes.u8(2)
        subflowsMax = bytes.u8(3)
        addAddrSignalMax = bytes.u8(4)
        addAddrAcceptedMax = bytes.u8(5)
        flags = bytes.u32(8)
        token = bytes.u32(12)
        writeSeq = bytes.u64(16)
        sndUna = bytes.u64(24)
        rcvNxt = bytes.u64(32)
        localAddrUsed = bytes.u8(40)
        localAddrMax = bytes.u8(41)
        csumEnabled = bytes.u8(42)
        // Offsets 44..47 and 84..95 were alignment padding inside the 48- and
        // 88-byte structures of older kernels: these fields exist only with
        // the sizes that introduced them (80 and 96 bytes).
        retransmits = bytes.count >= 80 ? bytes.u32(44) : nil
        bytesRetrans = bytes.u64(48)
        bytesSent = bytes.u64(56)
        bytesReceived = bytes.u64(64)
        bytesAcked = bytes.u64(72)
        subflowsTotal = bytes.u8(80)
        // 81 and 82 were reserved before 6.18 and 6.19; a kernel that has the
        // byte but not the field returns 0 there, indistinguishable from "none".
        endpLaminarMax = bytes.u8(81)
        endpFullmeshMax = bytes.u8(82)
        lastDataSent = bytes.count >= 96 ? bytes.u32(84) : nil
        lastDataRecv = bytes.count >= 96 ? bytes.u32(88) : nil
        lastAckRecv = bytes.count >= 96 ? bytes.u32(92) : nil
    }

    public var isFallback: Bool? { flags.map { $0 & Self.flagFallback != 0 } }
    public var remoteKeyReceived: Bool? { flags.map { $0 & Self.flagRemoteKeyReceived != 0 } }

    /// Subflows including the initial one: `subflowsTotal` when the kernel has
    /// it, else `subflows + 1`.
    public var totalSubflows: Int? {
        if let subflowsTotal { return Int(subflowsTotal) }
        return subflows.map { Int($0) + 1 }
    }
}
