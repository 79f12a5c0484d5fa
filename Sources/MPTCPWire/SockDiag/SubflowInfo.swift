/// The MPTCP subflow context of a TCP socket: the nested
/// `INET_DIAG_ULP_INFO` → `INET_ULP_INFO_MPTCP` attributes.
public struct SubflowInfo: Sendable, Equatable {
    public var remoteToken: UInt32?
    /// Equals the connection's `mptcpi_token`: the join key.
    public var localToken: UInt32?
    public var relativeWriteSeq: UInt32?
    public var mapSeq: UInt64?
    public var mapSubflowSeq: UInt32?
    public var ssnOffset: UInt32?
    public var mapDataLength: UInt16?
    public var flags: UInt32?
    public var remoteID: UInt8?
    public var localID: UInt8?

    // MPTCP_SUBFLOW_FLAG_* (linux/mptcp.h).
    public static let mpCapableRemote: UInt32 = 1 << 0
    public static let mpCapableLocal: UInt32 = 1 << 1
    public static let joinRemote: UInt32 = 1 << 2
    public static let joinLocal: UInt32 = 1 << 3
    public static let backupRemote: UInt32 = 1 << 4
    public static let backupLocal: UInt32 = 1 << 5
    public static let fullyEstablished: UInt32 = 1 << 6
    public static let connected: UInt32 = 1 << 7
    public static let mapValid: UInt32 = 1 << 8

    // MPTCP_SUBFLOW_ATTR_* ids.
    enum Attribute {
        static let tokenRemote: UInt16 = 1
        static let tokenLocal: UInt16 = 2
        static let relativeWriteSeq: UInt16 = 3
        static let mapSeq: UInt16 = 4
        static let mapSubflowSeq: UInt16 = 5
        static let ssnOffset: UInt16 = 6
        static let mapDataLength: UInt16 = 7
        static let flags: UInt16 = 8
        static let remoteID: UInt16 = 9
        static let localID: UInt16 = 10
    }

    /// Decodes the `INET_ULP_INFO_MPTCP` nest; `error` says if it was cut short.
    public init(_ bytes: ByteView) {
        var info = SubflowInfo.empty
        let error = NetlinkAttributes.scan(bytes) { attribute in
            let payload = attribute.payload
            switch attribute.type {
            case Attribute.tokenRemote where payload.count == 4: info.remoteToken = payload.u32(0)
            case Attribute.tokenLocal where payload.count == 4: info.localToken = payload.u32(0)
            case Attribute.relativeWriteSeq where payload.count == 4: info.relativeWriteSeq = payload.u32(0)
            case Attribute.mapSeq where payload.count == 8: info.mapSeq = payload.u64(0)
            case Attribute.mapSubflowSeq where payload.count == 4: info.mapSubflowSeq = payload.u32(0)
            case Attribute.ssnOffset where payload.count == 4: info.ssnOffset = payload.u32(0)
            case Attribute.mapDataLength where payload.count >= 2: info.mapDataLength = payload.u16(0)
            case Attribute.flags where payload.count == 4: info.flags = payload.u32(0)
            case Attribute.remoteID: info.remoteID = payload.u8(0)
            case Attribute.localID: info.localID = payload.u8(0)
            default: break
            }
        }
        self = info
        self.error = error
    }

    /// Set when the nest ended in a malformed attribute.
    public var error: NetlinkDecodeError?

    private static let empty = SubflowInfo(
        remoteToken: nil, localToken: nil, relativeWriteSeq: nil, mapSeq: nil, mapSubflowSeq: nil,
        ssnOffset: nil, mapDataLength: nil, flags: nil, remoteID: nil, localID: nil, error: nil)

    private init(remoteToken: UInt32?, localToken: UInt32?, relativeWriteSeq: UInt32?, mapSeq: UInt64?,
                 mapSubflowSeq: UInt32?, ssnOffset: UInt32?, mapDataLength: UInt16?, flags: UInt32?,
                 remoteID: UInt8?, localID: UInt8?, error: NetlinkDecodeError?) {
        self.remoteToken = remoteToken
        self.localToken = localToken
        self.relativeWriteSeq = relativeWriteSeq
        self.mapSeq = mapSeq
        self.mapSubflowSeq = mapSubflowSeq
        self.ssnOffset = ssnOffset
        self.mapDataLength = mapDataLength
        self.flags = flags
        self.remoteID = remoteID
        self.localID = localID
        self.error = error
    }

    /// The letters `ss` prints for subflow flags (M m J j B b e c v).
    public static func letters(_ flags: UInt32) -> String {
        let letters: [(UInt32, Character)] = [
            (mpCapableRemote, "M"), (mpCapableLocal, "m"), (joinRemote, "J"), (joinLocal, "j"),
            (backupRemote, "B"), (backupLocal, "b"), (fullyEstablished, "e"), (connected, "c"), (mapValid, "v"),
        ]
        return String(letters.compactMap { flags & $0.0 != 0 ? $0.1 : nil })
    }
}
