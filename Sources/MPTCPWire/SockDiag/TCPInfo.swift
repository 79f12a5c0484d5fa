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
        get { Layout.state.isPresent(in: length) ? storage.state : nil }
        set { storage.state = newValue ?? 0 }
    }
    public var caState: UInt8? {
        get { Layout.caState.isPresent(in: length) ? storage.caState : nil }
        set { storage.caState = newValue ?? 0 }
    }
    public var retransmits: UInt8? {
        get { Layout.retransmits.isPresent(in: length) ? storage.retransmits : nil }
        set { storage.retransmits = newValue ?? 0 }
    }
    public var rto: UInt32? {
        get { Layout.rto.isPresent(in: length) ? storage.rto : nil }
        set { storage.rto = newValue ?? 0 }
    }
    public var lost: UInt32? {
        get { Layout.lost.isPresent(in: length) ? storage.lost : nil }
        set { storage.lost = newValue ?? 0 }
    }
    public var retrans: UInt32? {
        get { Layout.retrans.isPresent(in: length) ? storage.retrans : nil }
        set { storage.retrans = newValue ?? 0 }
    }
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
    public var pmtu: UInt32? {
        get { Layout.pmtu.isPresent(in: length) ? storage.pmtu : nil }
        set { storage.pmtu = newValue ?? 0 }
    }
    /// Smoothed RTT, microseconds.
    public var rtt: UInt32? {
        get { Layout.rtt.isPresent(in: length) ? storage.rtt : nil }
        set { storage.rtt = newValue ?? 0 }
    }
    /// RTT variance, microseconds.
    public var rttvar: UInt32? {
        get { Layout.rttvar.isPresent(in: length) ? storage.rttvar : nil }
        set { storage.rttvar = newValue ?? 0 }
    }
    public var sndSsthresh: UInt32? {
        get { Layout.sndSsthresh.isPresent(in: length) ? storage.sndSsthresh : nil }
        set { storage.sndSsthresh = newValue ?? 0 }
    }
    public var sndCwnd: UInt32? {
        get { Layout.sndCwnd.isPresent(in: length) ? storage.sndCwnd : nil }
        set { storage.sndCwnd = newValue ?? 0 }
    }
    public var totalRetrans: UInt32? {
        get { Layout.totalRetrans.isPresent(in: length) ? storage.totalRetrans : nil }
        set { storage.totalRetrans = newValue ?? 0 }
    }
    /// Bytes per second.
    public var pacingRate: UInt64? {
        get { Layout.pacingRate.isPresent(in: length) ? storage.pacingRate : nil }
        set { storage.pacingRate = newValue ?? 0 }
    }
    public var bytesAcked: UInt64? {
        get { Layout.bytesAcked.isPresent(in: length) ? storage.bytesAcked : nil }
        set { storage.bytesAcked = newValue ?? 0 }
    }
    public var bytesReceived: UInt64? {
        get { Layout.bytesReceived.isPresent(in: length) ? storage.bytesReceived : nil }
        set { storage.bytesReceived = newValue ?? 0 }
    }
    public var segsOut: UInt32? {
        get { Layout.segsOut.isPresent(in: length) ? storage.segsOut : nil }
        set { storage.segsOut = newValue ?? 0 }
    }
    public var segsIn: UInt32? {
        get { Layout.segsIn.isPresent(in: length) ? storage.segsIn : nil }
        set { storage.segsIn = newValue ?? 0 }
    }
    /// Microseconds.
    public var minRTT: UInt32? {
        get { Layout.minRTT.isPresent(in: length) ? storage.minRTT : nil }
        set { storage.minRTT = newValue ?? 0 }
    }
    /// Bytes per second.
    public var deliveryRate: UInt64? {
        get { Layout.deliveryRate.isPresent(in: length) ? storage.deliveryRate : nil }
        set { storage.deliveryRate = newValue ?? 0 }
    }
    public var busyTime: UInt64? {
        get { Layout.busyTime.isPresent(in: length) ? storage.busyTime : nil }
        set { storage.busyTime = newValue ?? 0 }
    }
    public var delivered: UInt32? {
        get { Layout.delivered.isPresent(in: length) ? storage.delivered : nil }
        set { storage.delivered = newValue ?? 0 }
    }
    public var bytesSent: UInt64? {
        get { Layout.bytesSent.isPresent(in: length) ? storage.bytesSent : nil }
        set { storage.bytesSent = newValue ?? 0 }
    }
    public var bytesRetrans: UInt64? {
        get { Layout.bytesRetrans.isPresent(in: length) ? storage.bytesRetrans : nil }
        set { storage.bytesRetrans = newValue ?? 0 }
    }
    public var sndWnd: UInt32? {
        get { Layout.sndWnd.isPresent(in: length) ? storage.sndWnd : nil }
        set { storage.sndWnd = newValue ?? 0 }
    }
    public var rcvWnd: UInt32? {
        get { Layout.rcvWnd.isPresent(in: length) ? storage.rcvWnd : nil }
        set { storage.rcvWnd = newValue ?? 0 }
    }

    /// The layout of `struct tcp_info` (uapi linux/tcp.h): each field's offset, once. Fields were only ever appended (none took the place of padding), so a field is there when the payload holds it.
    enum Layout {
        static let state = StructField<UInt8>(0)
        static let caState = StructField<UInt8>(1)
        static let retransmits = StructField<UInt8>(2)
        static let rto = StructField<UInt32>(8)
        static let lost = StructField<UInt32>(32)
        static let retrans = StructField<UInt32>(36)
        static let lastDataSent = StructField<UInt32>(44)
        static let lastDataRecv = StructField<UInt32>(52)
        static let lastAckRecv = StructField<UInt32>(56)
        static let pmtu = StructField<UInt32>(60)
        static let rtt = StructField<UInt32>(68)
        static let rttvar = StructField<UInt32>(72)
        static let sndSsthresh = StructField<UInt32>(76)
        static let sndCwnd = StructField<UInt32>(80)
        static let totalRetrans = StructField<UInt32>(100)
        static let pacingRate = StructField<UInt64>(104)
        static let bytesAcked = StructField<UInt64>(120)
        static let bytesReceived = StructField<UInt64>(128)
        static let segsOut = StructField<UInt32>(136)
        static let segsIn = StructField<UInt32>(140)
        static let minRTT = StructField<UInt32>(148)
        static let deliveryRate = StructField<UInt64>(160)
        static let busyTime = StructField<UInt64>(168)
        static let delivered = StructField<UInt32>(192)
        static let bytesSent = StructField<UInt64>(200)
        static let bytesRetrans = StructField<UInt64>(208)
        static let sndWnd = StructField<UInt32>(228)
        static let rcvWnd = StructField<UInt32>(232)
    }

    public init(_ bytes: ByteView) {
        length = bytes.count
        storage.state = Layout.state.read(bytes)
        storage.caState = Layout.caState.read(bytes)
        storage.retransmits = Layout.retransmits.read(bytes)
        storage.rto = Layout.rto.read(bytes)
        storage.lost = Layout.lost.read(bytes)
        storage.retrans = Layout.retrans.read(bytes)
        storage.lastDataSent = Layout.lastDataSent.read(bytes)
        storage.lastDataRecv = Layout.lastDataRecv.read(bytes)
        storage.lastAckRecv = Layout.lastAckRecv.read(bytes)
        storage.pmtu = Layout.pmtu.read(bytes)
        storage.rtt = Layout.rtt.read(bytes)
        storage.rttvar = Layout.rttvar.read(bytes)
        storage.sndSsthresh = Layout.sndSsthresh.read(bytes)
        storage.sndCwnd = Layout.sndCwnd.read(bytes)
        storage.totalRetrans = Layout.totalRetrans.read(bytes)
        storage.pacingRate = Layout.pacingRate.read(bytes)
        storage.bytesAcked = Layout.bytesAcked.read(bytes)
        storage.bytesReceived = Layout.bytesReceived.read(bytes)
        storage.segsOut = Layout.segsOut.read(bytes)
        storage.segsIn = Layout.segsIn.read(bytes)
        storage.minRTT = Layout.minRTT.read(bytes)
        storage.deliveryRate = Layout.deliveryRate.read(bytes)
        storage.busyTime = Layout.busyTime.read(bytes)
        storage.delivered = Layout.delivered.read(bytes)
        storage.bytesSent = Layout.bytesSent.read(bytes)
        storage.bytesRetrans = Layout.bytesRetrans.read(bytes)
        storage.sndWnd = Layout.sndWnd.read(bytes)
        storage.rcvWnd = Layout.rcvWnd.read(bytes)
    }

}
