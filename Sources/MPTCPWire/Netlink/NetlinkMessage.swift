/// One netlink message: `struct nlmsghdr` (16 bytes) and its payload.
public struct NetlinkMessage: Sendable {
    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    public var portID: UInt32
    /// The bytes after the header, up to `nlmsg_len`.
    public var payload: ByteView

    public static let headerSize = 16

    // Message types and flags (linux/netlink.h).
    public static let typeNoop: UInt16 = 1
    public static let typeError: UInt16 = 2
    public static let typeDone: UInt16 = 3
    public static let typeOverrun: UInt16 = 4
    /// NLMSG_MIN_TYPE: types below are control messages; families (generic netlink ids) start here.
    public static let firstFamilyType: UInt16 = 0x10
    public static let flagRequest: UInt16 = 0x1
    public static let flagMulti: UInt16 = 0x2
    public static let flagAck: UInt16 = 0x4
    public static let flagDumpInterrupted: UInt16 = 0x10
    public static let flagRoot: UInt16 = 0x100
    public static let flagMatch: UInt16 = 0x200
    public static let flagDump: UInt16 = flagRoot | flagMatch

    /// For an `NLMSG_ERROR` message: the (positive) errno, 0 for an acknowledgement.
    public var errorCode: Int32? {
        guard type == Self.typeError, let value = payload.i32(0) else { return nil }
        return value == Int32.min ? Int32.max : -value
    }

    public var isDone: Bool { type == Self.typeDone }
    public var isDumpInterrupted: Bool { flags & Self.flagDumpInterrupted != 0 }

    /// The header followed by `payload`, as sent to the kernel.
    public static func encode(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32 = 0, payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerSize + payload.count)
        bytes.appendLittle(UInt32(headerSize + payload.count))
        bytes.appendLittle(type)
        bytes.appendLittle(flags)
        bytes.appendLittle(sequence)
        bytes.appendLittle(portID)
        bytes.append(contentsOf: payload)
        return bytes
    }
}

/// Problems in what the kernel sent: reported, never trapped on.
public enum NetlinkDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A message header or attribute claims more bytes than were received.
    case truncated(what: String, offset: Int)
    /// `nlmsg_len` smaller than the header.
    case invalidLength(Int)
    /// The kernel answered `NLMSG_ERROR` with this errno.
    case kernelError(Int32)
    /// `NLMSG_OVERRUN`: data was lost.
    case overrun
    /// A fixed-size attribute whose payload is not that size.
    case attributeLength(what: String, length: Int, expected: Int)
    /// An attribute the message cannot be understood without.
    case missingAttribute(String)

    public var description: String {
        switch self {
        case let .truncated(what, offset): return "netlink \(what) cut short at byte \(offset)"
        case let .invalidLength(length): return "netlink message length \(length) is smaller than its header"
        case let .kernelError(code): return "kernel answered \(ErrnoNames.name(code))"
        case .overrun: return "netlink overrun: messages were lost"
        case let .attributeLength(what, length, expected): return "netlink attribute \(what) has \(length) bytes, expected \(expected)"
        case let .missingAttribute(what): return "netlink message without its \(what) attribute"
        }
    }
}

/// Splits a datagram into its netlink messages.
public enum NetlinkMessages {
    /// The messages of one datagram. A malformed tail stops the split and is
    /// returned as the error; the messages before it are kept.
    public static func split(_ datagram: ByteView) -> (messages: [NetlinkMessage], error: NetlinkDecodeError?) {
        var messages: [NetlinkMessage] = []
        let error = scan(datagram) { messages.append($0) }
        return (messages, error)
    }

    /// Walks the messages of a datagram without collecting them; returns the
    /// error that stopped the walk, if any.
    @inline(__always)
    public static func scan(_ datagram: ByteView, _ body: (NetlinkMessage) -> Void) -> NetlinkDecodeError? {
        var offset = 0
        while offset < datagram.count {
            guard let length = datagram.u32(offset), let type = datagram.u16(offset + 4),
                  let flags = datagram.u16(offset + 6), let sequence = datagram.u32(offset + 8),
                  let portID = datagram.u32(offset + 12)
            else { return .truncated(what: "message header", offset: offset) }
            guard length >= UInt32(NetlinkMessage.headerSize) else { return .invalidLength(Int(length)) }
            guard let payload = datagram.slice(offset + NetlinkMessage.headerSize, Int(length) - NetlinkMessage.headerSize) else {
                return .truncated(what: "message", offset: offset)
            }
            body(NetlinkMessage(type: type, flags: flags, sequence: sequence, portID: portID, payload: payload))
            offset += align4(Int(length))
        }
        return nil
    }

    static func align4(_ value: Int) -> Int { (value + 3) & ~3 }
}

extension Array where Element == UInt8 {
    package mutating func appendLittle<T: FixedWidthInteger>(_ value: T) {
        var little = value.littleEndian
        Swift.withUnsafeBytes(of: &little) { append(contentsOf: $0) }
    }
}
