/// `struct mptcp_info`, decoded by the length the kernel returned.
///
/// A field is present when the payload is at least as long as the first
/// structure that had it (``Layout``: offset and that size, written once);
/// otherwise it is nil ("this kernel does not say"), never 0. Known sizes: 40
/// (5.9), 48 (5.12), 80 (6.5), 88 (6.8), 96 (6.10+); longer payloads from
/// future kernels decode the fields known here.
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
        get { Layout.subflows.isPresent(in: length) ? storage.subflows : nil }
        set { storage.subflows = newValue ?? 0 }
    }
    public var addAddrSignal: UInt8? {
        get { Layout.addAddrSignal.isPresent(in: length) ? storage.addAddrSignal : nil }
        set { storage.addAddrSignal = newValue ?? 0 }
    }
    public var addAddrAccepted: UInt8? {
        get { Layout.addAddrAccepted.isPresent(in: length) ? storage.addAddrAccepted : nil }
        set { storage.addAddrAccepted = newValue ?? 0 }
    }
    public var subflowsMax: UInt8? {
        get { Layout.subflowsMax.isPresent(in: length) ? storage.subflowsMax : nil }
        set { storage.subflowsMax = newValue ?? 0 }
    }
    public var addAddrSignalMax: UInt8? {
        get { Layout.addAddrSignalMax.isPresent(in: length) ? storage.addAddrSignalMax : nil }
        set { storage.addAddrSignalMax = newValue ?? 0 }
    }
    public var addAddrAcceptedMax: UInt8? {
        get { Layout.addAddrAcceptedMax.isPresent(in: length) ? storage.addAddrAcceptedMax : nil }
        set { storage.addAddrAcceptedMax = newValue ?? 0 }
    }
    public var flags: UInt32? {
        get { Layout.flags.isPresent(in: length) ? storage.flags : nil }
        set { storage.flags = newValue ?? 0 }
    }
    public var token: UInt32? {
        get { Layout.token.isPresent(in: length) ? storage.token : nil }
        set { storage.token = newValue ?? 0 }
    }
    public var writeSeq: UInt64? {
        get { Layout.writeSeq.isPresent(in: length) ? storage.writeSeq : nil }
        set { storage.writeSeq = newValue ?? 0 }
    }
    public var sndUna: UInt64? {
        get { Layout.sndUna.isPresent(in: length) ? storage.sndUna : nil }
        set { storage.sndUna = newValue ?? 0 }
    }
    public var rcvNxt: UInt64? {
        get { Layout.rcvNxt.isPresent(in: length) ? storage.rcvNxt : nil }
        set { storage.rcvNxt = newValue ?? 0 }
    }
    public var localAddrUsed: UInt8? {
        get { Layout.localAddrUsed.isPresent(in: length) ? storage.localAddrUsed : nil }
        set { storage.localAddrUsed = newValue ?? 0 }
    }
    public var localAddrMax: UInt8? {
        get { Layout.localAddrMax.isPresent(in: length) ? storage.localAddrMax : nil }
        set { storage.localAddrMax = newValue ?? 0 }
    }
    public var csumEnabled: UInt8? {
        get { Layout.csumEnabled.isPresent(in: length) ? storage.csumEnabled : nil }
        set { storage.csumEnabled = newValue ?? 0 }
    }
    /// Offset 44 was alignment padding in the 48-byte structure: present from 80 bytes on.
    public var retransmits: UInt32? {
        get { Layout.retransmits.isPresent(in: length) ? storage.retransmits : nil }
        set { storage.retransmits = newValue ?? 0 }
    }
    public var bytesRetrans: UInt64? {
        get { Layout.bytesRetrans.isPresent(in: length) ? storage.bytesRetrans : nil }
        set { storage.bytesRetrans = newValue ?? 0 }
    }
    public var bytesSent: UInt64? {
        get { Layout.bytesSent.isPresent(in: length) ? storage.bytesSent : nil }
        set { storage.bytesSent = newValue ?? 0 }
    }
    public var bytesReceived: UInt64? {
        get { Layout.bytesReceived.isPresent(in: length) ? storage.bytesReceived : nil }
        set { storage.bytesReceived = newValue ?? 0 }
    }
    public var bytesAcked: UInt64? {
        get { Layout.bytesAcked.isPresent(in: length) ? storage.bytesAcked : nil }
        set { storage.bytesAcked = newValue ?? 0 }
    }
    /// Subflows including the initial one (6.8).
    public var subflowsTotal: UInt8? {
        get { Layout.subflowsTotal.isPresent(in: length) ? storage.subflowsTotal : nil }
        set { storage.subflowsTotal = newValue ?? 0 }
    }
    /// Reserved before 6.18: a kernel with the byte but not the field sends 0.
    public var endpLaminarMax: UInt8? {
        get { Layout.endpLaminarMax.isPresent(in: length) ? storage.endpLaminarMax : nil }
        set { storage.endpLaminarMax = newValue ?? 0 }
    }
    /// Reserved before 6.19, like endpLaminarMax.
    public var endpFullmeshMax: UInt8? {
        get { Layout.endpFullmeshMax.isPresent(in: length) ? storage.endpFullmeshMax : nil }
        set { storage.endpFullmeshMax = newValue ?? 0 }
    }
    /// Milliseconds since the last data sent (6.10; offsets 84..87 were padding of the 88-byte structure).
    public var lastDataSent: UInt32? {
        get { Layout.lastDataSent.isPresent(in: length) ? storage.lastDataSent : nil }
        set { storage.lastDataSent = newValue ?? 0 }
    }
    public var lastDataRecv: UInt32? {
        get { Layout.lastDataRecv.isPresent(in: length) ? storage.lastDataRecv : nil }
        set { storage.lastDataRecv = newValue ?? 0 }
    }
    public var lastAckRecv: UInt32? {
        get { Layout.lastAckRecv.isPresent(in: length) ? storage.lastAckRecv : nil }
        set { storage.lastAckRecv = newValue ?? 0 }
    }

    /// The layout of `struct mptcp_info` (uapi linux/mptcp.h, x86-64 alignment): each field's offset and the size of the structure that introduced it. Sizes: 40 (5.9), 48 (5.12), 80 (6.5), 88 (6.8), 96 (6.10).
    enum Layout {
        static let subflows = StructField<UInt8>(0, since: 40)          // 5.9: size 40
        static let addAddrSignal = StructField<UInt8>(1, since: 40)
        static let addAddrAccepted = StructField<UInt8>(2, since: 40)
        static let subflowsMax = StructField<UInt8>(3, since: 40)
        static let addAddrSignalMax = StructField<UInt8>(4, since: 40)
        static let addAddrAcceptedMax = StructField<UInt8>(5, since: 40)
        static let flags = StructField<UInt32>(8, since: 40)
        static let token = StructField<UInt32>(12, since: 40)
        static let writeSeq = StructField<UInt64>(16, since: 40)
        static let sndUna = StructField<UInt64>(24, since: 40)
        static let rcvNxt = StructField<UInt64>(32, since: 40)
        static let localAddrUsed = StructField<UInt8>(40, since: 48)    // 5.12: size 48
        static let localAddrMax = StructField<UInt8>(41, since: 48)
        static let csumEnabled = StructField<UInt8>(42, since: 48)      // 5.13, in the 48-byte structure
        static let retransmits = StructField<UInt32>(44, since: 80)     // 6.5: size 80; offset 44 was padding before
        static let bytesRetrans = StructField<UInt64>(48, since: 80)    // 6.5
        static let bytesSent = StructField<UInt64>(56, since: 80)       // 6.5
        static let bytesReceived = StructField<UInt64>(64, since: 80)   // 6.5
        static let bytesAcked = StructField<UInt64>(72, since: 80)      // 6.5
        static let subflowsTotal = StructField<UInt8>(80, since: 88)    // 6.8: size 88
        static let endpLaminarMax = StructField<UInt8>(81, since: 88)   // 6.18; a reserved 0 before
        static let endpFullmeshMax = StructField<UInt8>(82, since: 88)  // 6.19; a reserved 0 before
        static let lastDataSent = StructField<UInt32>(84, since: 96)    // 6.10: size 96; offsets 84..87 were padding before
        static let lastDataRecv = StructField<UInt32>(88, since: 96)    // 6.10
        static let lastAckRecv = StructField<UInt32>(92, since: 96)     // 6.10
    }

    public init(_ bytes: ByteView) {
        length = bytes.count
        storage.subflows = Layout.subflows.read(bytes)
        storage.addAddrSignal = Layout.addAddrSignal.read(bytes)
        storage.addAddrAccepted = Layout.addAddrAccepted.read(bytes)
        storage.subflowsMax = Layout.subflowsMax.read(bytes)
        storage.addAddrSignalMax = Layout.addAddrSignalMax.read(bytes)
        storage.addAddrAcceptedMax = Layout.addAddrAcceptedMax.read(bytes)
        storage.flags = Layout.flags.read(bytes)
        storage.token = Layout.token.read(bytes)
        storage.writeSeq = Layout.writeSeq.read(bytes)
        storage.sndUna = Layout.sndUna.read(bytes)
        storage.rcvNxt = Layout.rcvNxt.read(bytes)
        storage.localAddrUsed = Layout.localAddrUsed.read(bytes)
        storage.localAddrMax = Layout.localAddrMax.read(bytes)
        storage.csumEnabled = Layout.csumEnabled.read(bytes)
        storage.retransmits = Layout.retransmits.read(bytes)
        storage.bytesRetrans = Layout.bytesRetrans.read(bytes)
        storage.bytesSent = Layout.bytesSent.read(bytes)
        storage.bytesReceived = Layout.bytesReceived.read(bytes)
        storage.bytesAcked = Layout.bytesAcked.read(bytes)
        storage.subflowsTotal = Layout.subflowsTotal.read(bytes)
        storage.endpLaminarMax = Layout.endpLaminarMax.read(bytes)
        storage.endpFullmeshMax = Layout.endpFullmeshMax.read(bytes)
        storage.lastDataSent = Layout.lastDataSent.read(bytes)
        storage.lastDataRecv = Layout.lastDataRecv.read(bytes)
        storage.lastAckRecv = Layout.lastAckRecv.read(bytes)
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
