/// The fields of `struct tcp_info` the exporter uses, decoded by length like
/// ``MPTCPInfo``: a field beyond the returned payload is nil.
public struct TCPInfo: Sendable, Equatable {
    public var length: Int
    public var state: UInt8?
    public var caState: UInt8?
    public var retransmits: UInt8?
    public var rto: UInt32?
    public var lost: UInt32?
    public var retrans: UInt32?
    public var lastDataSent: UInt32?
    public var lastDataRecv: UInt32?
    public var lastAckRecv: UInt32?
    public var pmtu: UInt32?
    /// Smoothed RTT and its variance, microseconds.
    public var rtt: UInt32?
    public var rttvar: UInt32?
    public var sndSsthresh: UInt32?
    public var sndCwnd: UInt32?
    public var totalRetrans: UInt32?
    /// Bytes per second.
    public var pacingRate: UInt64?
    public var bytesAcked: UInt64?
    public var bytesReceived: UInt64?
    public var segsOut: UInt32?
    public var segsIn: UInt32?
    /// Microseconds.
    public var minRTT: UInt32?
    /// Bytes per second.
    public var deliveryRate: UInt64?
    public var busyTime: UInt64?
    public var delivered: UInt32?
    public var bytesSent: UInt64?
    public var bytesRetrans: UInt64?
    public var sndWnd: UInt32?
    public var rcvWnd: UInt32?

    public init(_ bytes: ByteView) {
        length = bytes.count
        state = bytes.u8(0)
        caState = bytes.u8(1)
        retransmits = bytes.u8(2)
        rto = bytes.u32(8)
        lost = bytes.u32(32)
        retrans = bytes.u32(36)
        lastDataSent = bytes.u32(44)
        lastDataRecv = bytes.u32(52)
        lastAckRecv = bytes.u32(56)
        pmtu = bytes.u32(60)
        rtt = bytes.u32(68)
        rttvar = bytes.u32(72)
        sndSsthresh = bytes.u32(76)
        sndCwnd = bytes.u32(80)
        totalRetrans = bytes.u32(100)
        pacingRate = bytes.u64(104)
        bytesAcked = bytes.u64(120)
        bytesReceived = bytes.u64(128)
        segsOut = bytes.u32(136)
        segsIn = bytes.u32(140)
        minRTT = bytes.u32(148)
        deliveryRate = bytes.u64(160)
        busyTime = bytes.u64(168)
        delivered = bytes.u32(192)
        bytesSent = bytes.u64(200)
        bytesRetrans = bytes.u64(208)
        sndWnd = bytes.u32(228)
        rcvWnd = bytes.u32(232)
    }
}
