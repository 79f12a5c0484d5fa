/// `struct mptcp_info`, decoded by the length the kernel returned.
///
/// The header this is built against is older than the running kernel, which
/// returns more fields: a field is present only when it lies wholly inside
/// the payload (and, for fields that replaced alignment padding, only from
/// the size that introduced them); otherwise it is nil ("this kernel does not
/// say"), never 0. Known sizes: 40 (5.9), 48 (5.12), 80 (6.5), 88 (6.8), 96
/// (6.10+); longer payloads from future kernels decode the fields known here.
public struct MPTCPInfo: Sendable, Equatable {
    /// Bytes the kernel returned.
    public var length: Int
    /// The values, 0 where the kernel sent nothing; the public accessors
    /// return nil for those (stored this way the struct stays small: a
    /// scrape of 10,000 connections copies and keeps tens of thousands).
    @usableFromInline struct Storage: Sendable, Equatable {
        var subflows: UInt8 = 0
        var addAddrSignal: UInt8 = 0
        var addAddrAccepted: UInt8 = 0
        var subflowsMax: UInt8 = 0
        var addAddrSignalMax: UInt8 = 0
        var addAddrAcceptedMax: UInt8 = 0
        var flags: UInt32 = 0
        var token: UInt32 = 0
        var writeSeq: UInt64 = 0
        var sndUna: UInt64 = 0
        var rcvNxt: UInt64 = 0
        var localAddrUsed: UInt8 = 0
        var localAddrMax: UInt8 = 0
        var csumEnabled: UInt8 = 0
        var retransmits: UInt32 = 0
        var bytesRetrans: UInt64 = 0
        var bytesSent: UInt64 = 0
        var bytesReceived: UInt64 = 0
        var bytesAcked: UInt64 = 0
        var subflowsTotal: UInt8 = 0
        var endpLaminarMax: UInt8 = 0
        var endpFullmeshMax: UInt8 = 0
        var lastDataSent: UInt32 = 0
        var lastDataRecv: UInt32 = 0
        var lastAckRecv: UInt32 = 0
    }
    @usableFromInline var storage = Storage()

    /// Additional subflows (the initial one not counted).
    public var subflows: UInt8? {
        get { length >= 1 ? storage.subflows : nil }
        set { storage.subflows = newValue ?? 0 }
    }
    public var addAddrSignal: UInt8? {
        get { length >= 2 ? storage.addAddrSignal : nil }
        set { storage.addAddrSignal = newValue ?? 0 }
    }
    public var addAddrAccepted: UInt8? {
        get { length >= 3 ? storage.addAddrAccepted : nil }
        set { storage.addAddrAccepted = newValue ?? 0 }
    }
    public var subflowsMax: UInt8? {
        get { length >= 4 ? storage.subflowsMax : nil }
        set { storage.subflowsMax = newValue ?? 0 }
    }
    public var addAddrSignalMax: UInt8? {
        get { length >= 5 ? storage.addAddrSignalMax : nil }
        set { storage.addAddrSignalMax = newValue ?? 0 }
    }
    public var addAddrAcceptedMax: UInt8? {
        get { length >= 6 ? storage.addAddrAcceptedMax : nil }
        set { storage.addAddrAcceptedMax = newValue ?? 0 }
    }
    public var flags: UInt32? {
        get { length >= 12 ? storage.flags : nil }
        set { storage.flags = newValue ?? 0 }
    }
    public var token: UInt32? {
        get { length >= 16 ? storage.token : nil }
        set { storage.token = newValue ?? 0 }
    }
    public var writeSeq: UInt64? {
        get { length >= 24 ? storage.writeSeq : nil }
        set { storage.writeSeq = newValue ?? 0 }
    }
    public var sndUna: UInt64? {
        get { length >= 32 ? storage.sndUna : nil }
        set { storage.sndUna = newValue ?? 0 }
    }
    public var rcvNxt: UInt64? {
        get { length >= 40 ? storage.rcvNxt : nil }
        set { storage.rcvNxt = newValue ?? 0 }
    }
    public var localAddrUsed: UInt8? {
        get { length >= 41 ? storage.localAddrUsed : nil }
        set { storage.localAddrUsed = newValue ?? 0 }
    }
    public var localAddrMax: UInt8? {
        get { length >= 42 ? storage.localAddrMax : nil }
        set { storage.localAddrMax = newValue ?? 0 }
    }
    public var csumEnabled: UInt8? {
        get { length >= 43 ? storage.csumEnabled : nil }
        set { storage.csumEnabled = newValue ?? 0 }
    }
    /// Offset 44 was alignment padding in the 48-byte structure: present from 80 bytes on.
    public var retransmits: UInt32? {
        get { length >= 80 ? storage.retransmits : nil }
        set { storage.retransmits = newValue ?? 0 }
    }
    public var bytesRetrans: UInt64? {
        get { length >= 56 ? storage.bytesRetrans : nil }
        set { storage.bytesRetrans = newValue ?? 0 }
    }
    public var bytesSent: UInt64? {
        get { length >= 64 ? storage.bytesSent : nil }
        set { storage.bytesSent = newValue ?? 0 }
    }
    public var bytesReceived: UInt64? {
        get { length >= 72 ? storage.bytesReceived : nil }
        set { storage.bytesReceived = newValue ?? 0 }
    }
    public var bytesAcked: UInt64? {
        get { length >= 80 ? storage.bytesAcked : nil }
        set { storage.bytesAcked = newValue ?? 0 }
    }
    /// Subflows including the initial one (6.8).
    public var subflowsTotal: UInt8? {
        get { length >= 81 ? storage.subflowsTotal : nil }
        set { storage.subflowsTotal = newValue ?? 0 }
    }
    /// Reserved before 6.18: a kernel with the byte but not the field sends 0.
    public var endpLaminarMax: UInt8? {
        get { length >= 82 ? storage.endpLaminarMax : nil }
        set { storage.endpLaminarMax = newValue ?? 0 }
    }
    /// Reserved before 6.19, like endpLaminarMax.
    public var endpFullmeshMax: UInt8? {
        get { length >= 83 ? storage.endpFullmeshMax : nil }
        set { storage.endpFullmeshMax = newValue ?? 0 }
    }
    /// Milliseconds since the last data sent (6.10; offsets 84..87 were padding of the 88-byte structure).
    public var lastDataSent: UInt32? {
        get { length >= 96 ? storage.lastDataSent : nil }
        set { storage.lastDataSent = newValue ?? 0 }
    }
    public var lastDataRecv: UInt32? {
        get { length >= 96 ? storage.lastDataRecv : nil }
        set { storage.lastDataRecv = newValue ?? 0 }
    }
    public var lastAckRecv: UInt32? {
        get { length >= 96 ? storage.lastAckRecv : nil }
        set { storage.lastAckRecv = newValue ?? 0 }
    }

    public init(_ bytes: ByteView) {
        length = bytes.count
        storage.subflows = bytes.u8(0) ?? 0
        storage.addAddrSignal = bytes.u8(1) ?? 0
        storage.addAddrAccepted = bytes.u8(2) ?? 0
        storage.subflowsMax = bytes.u8(3) ?? 0
        storage.addAddrSignalMax = bytes.u8(4) ?? 0
        storage.addAddrAcceptedMax = bytes.u8(5) ?? 0
        storage.flags = bytes.u32(8) ?? 0
        storage.token = bytes.u32(12) ?? 0
        storage.writeSeq = bytes.u64(16) ?? 0
        storage.sndUna = bytes.u64(24) ?? 0
        storage.rcvNxt = bytes.u64(32) ?? 0
        storage.localAddrUsed = bytes.u8(40) ?? 0
        storage.localAddrMax = bytes.u8(41) ?? 0
        storage.csumEnabled = bytes.u8(42) ?? 0
        storage.retransmits = bytes.u32(44) ?? 0
        storage.bytesRetrans = bytes.u64(48) ?? 0
        storage.bytesSent = bytes.u64(56) ?? 0
        storage.bytesReceived = bytes.u64(64) ?? 0
        storage.bytesAcked = bytes.u64(72) ?? 0
        storage.subflowsTotal = bytes.u8(80) ?? 0
        storage.endpLaminarMax = bytes.u8(81) ?? 0
        storage.endpFullmeshMax = bytes.u8(82) ?? 0
        storage.lastDataSent = bytes.u32(84) ?? 0
        storage.lastDataRecv = bytes.u32(88) ?? 0
        storage.lastAckRecv = bytes.u32(92) ?? 0
    }

    public static let flagFallback: UInt32 = 1 << 0
    public static let flagRemoteKeyReceived: UInt32 = 1 << 1

    public var isFallback: Bool? { flags.map { $0 & Self.flagFallback != 0 } }
    public var remoteKeyReceived: Bool? { flags.map { $0 & Self.flagRemoteKeyReceived != 0 } }

    /// Subflows including the initial one: `subflowsTotal` when the kernel has
    /// it, else `subflows + 1`.
    public var totalSubflows: Int? {
        if let subflowsTotal { return Int(subflowsTotal) }
        return subflows.map { Int($0) + 1 }
    }
}
