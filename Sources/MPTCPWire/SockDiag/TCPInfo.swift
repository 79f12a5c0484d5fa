/// The fields of `struct tcp_info` the exporter uses, decoded by length like
/// ``MPTCPInfo``: a field beyond the returned payload is nil.
public struct TCPInfo: Sendable, Equatable {
    /// Bytes the kernel returned.
    public var length: Int
    /// The values, 0 where the kernel sent nothing; the public accessors
    /// return nil for those (stored this way the struct stays small: a
    /// scrape of 10,000 connections copies and keeps tens of thousands).
    @usableFromInline struct Storage: Sendable, Equatable {
        var state: UInt8 = 0
        var caState: UInt8 = 0
        var retransmits: UInt8 = 0
        var rto: UInt32 = 0
        var lost: UInt32 = 0
        var retrans: UInt32 = 0
        var lastDataSent: UInt32 = 0
        var lastDataRecv: UInt32 = 0
        var lastAckRecv: UInt32 = 0
        var pmtu: UInt32 = 0
        var rtt: UInt32 = 0
        var rttvar: UInt32 = 0
        var sndSsthresh: UInt32 = 0
        var sndCwnd: UInt32 = 0
        var totalRetrans: UInt32 = 0
        var pacingRate: UInt64 = 0
        var bytesAcked: UInt64 = 0
        var bytesReceived: UInt64 = 0
        var segsOut: UInt32 = 0
        var segsIn: UInt32 = 0
        var minRTT: UInt32 = 0
        var deliveryRate: UInt64 = 0
        var busyTime: UInt64 = 0
        var delivered: UInt32 = 0
        var bytesSent: UInt64 = 0
        var bytesRetrans: UInt64 = 0
        var sndWnd: UInt32 = 0
        var rcvWnd: UInt32 = 0
    }
    @usableFromInline var storage = Storage()

    public var state: UInt8? {
        get { length >= 1 ? storage.state : nil }
        set { storage.state = newValue ?? 0 }
    }
    public var caState: UInt8? {
        get { length >= 2 ? storage.caState : nil }
        set { storage.caState = newValue ?? 0 }
    }
    public var retransmits: UInt8? {
        get { length >= 3 ? storage.retransmits : nil }
        set { storage.retransmits = newValue ?? 0 }
    }
    public var rto: UInt32? {
        get { length >= 12 ? storage.rto : nil }
        set { storage.rto = newValue ?? 0 }
    }
    public var lost: UInt32? {
        get { length >= 36 ? storage.lost : nil }
        set { storage.lost = newValue ?? 0 }
    }
    public var retrans: UInt32? {
        get { length >= 40 ? storage.retrans : nil }
        set { storage.retrans = newValue ?? 0 }
    }
    public var lastDataSent: UInt32? {
        get { length >= 48 ? storage.lastDataSent : nil }
        set { storage.lastDataSent = newValue ?? 0 }
    }
    public var lastDataRecv: UInt32? {
        get { length >= 56 ? storage.lastDataRecv : nil }
        set { storage.lastDataRecv = newValue ?? 0 }
    }
    public var lastAckRecv: UInt32? {
        get { length >= 60 ? storage.lastAckRecv : nil }
        set { storage.lastAckRecv = newValue ?? 0 }
    }
    public var pmtu: UInt32? {
        get { length >= 64 ? storage.pmtu : nil }
        set { storage.pmtu = newValue ?? 0 }
    }
    /// Smoothed RTT, microseconds.
    public var rtt: UInt32? {
        get { length >= 72 ? storage.rtt : nil }
        set { storage.rtt = newValue ?? 0 }
    }
    /// RTT variance, microseconds.
    public var rttvar: UInt32? {
        get { length >= 76 ? storage.rttvar : nil }
        set { storage.rttvar = newValue ?? 0 }
    }
    public var sndSsthresh: UInt32? {
        get { length >= 80 ? storage.sndSsthresh : nil }
        set { storage.sndSsthresh = newValue ?? 0 }
    }
    public var sndCwnd: UInt32? {
        get { length >= 84 ? storage.sndCwnd : nil }
        set { storage.sndCwnd = newValue ?? 0 }
    }
    public var totalRetrans: UInt32? {
        get { length >= 104 ? storage.totalRetrans : nil }
        set { storage.totalRetrans = newValue ?? 0 }
    }
    /// Bytes per second.
    public var pacingRate: UInt64? {
        get { length >= 112 ? storage.pacingRate : nil }
        set { storage.pacingRate = newValue ?? 0 }
    }
    public var bytesAcked: UInt64? {
        get { length >= 128 ? storage.bytesAcked : nil }
        set { storage.bytesAcked = newValue ?? 0 }
    }
    public var bytesReceived: UInt64? {
        get { length >= 136 ? storage.bytesReceived : nil }
        set { storage.bytesReceived = newValue ?? 0 }
    }
    public var segsOut: UInt32? {
        get { length >= 140 ? storage.segsOut : nil }
        set { storage.segsOut = newValue ?? 0 }
    }
    public var segsIn: UInt32? {
        get { length >= 144 ? storage.segsIn : nil }
        set { storage.segsIn = newValue ?? 0 }
    }
    /// Microseconds.
    public var minRTT: UInt32? {
        get { length >= 152 ? storage.minRTT : nil }
        set { storage.minRTT = newValue ?? 0 }
    }
    /// Bytes per second.
    public var deliveryRate: UInt64? {
        get { length >= 168 ? storage.deliveryRate : nil }
        set { storage.deliveryRate = newValue ?? 0 }
    }
    public var busyTime: UInt64? {
        get { length >= 176 ? storage.busyTime : nil }
        set { storage.busyTime = newValue ?? 0 }
    }
    public var delivered: UInt32? {
        get { length >= 196 ? storage.delivered : nil }
        set { storage.delivered = newValue ?? 0 }
    }
    public var bytesSent: UInt64? {
        get { length >= 208 ? storage.bytesSent : nil }
        set { storage.bytesSent = newValue ?? 0 }
    }
    public var bytesRetrans: UInt64? {
        get { length >= 216 ? storage.bytesRetrans : nil }
        set { storage.bytesRetrans = newValue ?? 0 }
    }
    public var sndWnd: UInt32? {
        get { length >= 232 ? storage.sndWnd : nil }
        set { storage.sndWnd = newValue ?? 0 }
    }
    public var rcvWnd: UInt32? {
        get { length >= 236 ? storage.rcvWnd : nil }
        set { storage.rcvWnd = newValue ?? 0 }
    }

    public init(_ bytes: ByteView) {
        length = bytes.count
        storage.state = bytes.u8(0) ?? 0
        storage.caState = bytes.u8(1) ?? 0
        storage.retransmits = bytes.u8(2) ?? 0
        storage.rto = bytes.u32(8) ?? 0
        storage.lost = bytes.u32(32) ?? 0
        storage.retrans = bytes.u32(36) ?? 0
        storage.lastDataSent = bytes.u32(44) ?? 0
        storage.lastDataRecv = bytes.u32(52) ?? 0
        storage.lastAckRecv = bytes.u32(56) ?? 0
        storage.pmtu = bytes.u32(60) ?? 0
        storage.rtt = bytes.u32(68) ?? 0
        storage.rttvar = bytes.u32(72) ?? 0
        storage.sndSsthresh = bytes.u32(76) ?? 0
        storage.sndCwnd = bytes.u32(80) ?? 0
        storage.totalRetrans = bytes.u32(100) ?? 0
        storage.pacingRate = bytes.u64(104) ?? 0
        storage.bytesAcked = bytes.u64(120) ?? 0
        storage.bytesReceived = bytes.u64(128) ?? 0
        storage.segsOut = bytes.u32(136) ?? 0
        storage.segsIn = bytes.u32(140) ?? 0
        storage.minRTT = bytes.u32(148) ?? 0
        storage.deliveryRate = bytes.u64(160) ?? 0
        storage.busyTime = bytes.u64(168) ?? 0
        storage.delivered = bytes.u32(192) ?? 0
        storage.bytesSent = bytes.u64(200) ?? 0
        storage.bytesRetrans = bytes.u64(208) ?? 0
        storage.sndWnd = bytes.u32(228) ?? 0
        storage.rcvWnd = bytes.u32(232) ?? 0
    }

}
