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

    public init(_ attributes: NetlinkAttributes) {
        func u32(_ type: UInt16) -> UInt32? { attributes[type].flatMap { $0.payload.count == 4 ? $0.payload.u32(0) : nil } }
        remoteToken = u32(Attribute.tokenRemote)
        localToken = u32(Attribute.tokenLocal)
        relativeWriteSeq = u32(Attribute.relativeWriteSeq)
        mapSeq = attributes[Attribute.mapSeq].flatMap { $0.payload.count == 8 ? $0.payload.u64(0) : nil }
        mapSubflowSeq = u32(Attribute.mapSubflowSeq)
        ssnOffset = u32(Attribute.ssnOffset)
        mapDataLength = attributes[Attribute.mapDataLength].flatMap { $0.payload.count >= 2 ? $0.payload.u16(0) : nil }
        flags = u32(Attribute.flags)
        remoteID = attributes[Attribute.remoteID].flatMap { $0.payload.u8(0) }
        localID = attributes[Attribute.localID].flatMap { $0.payload.u8(0) }
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
