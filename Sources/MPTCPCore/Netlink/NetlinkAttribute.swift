/// One netlink attribute (`struct nlattr`): type and payload.
public struct NetlinkAttribute: Sendable {
    /// The type without the NESTED and NET_BYTEORDER flag bits.
    public var type: UInt16
    public var isNested: Bool
    public var payload: ByteView

    public static let nestedFlag: UInt16 = 0x8000
    public static let byteOrderFlag: UInt16 = 0x4000
}

/// Attribute lists, decoded the way mdlayher/netlink does: every length is
/// bounds-checked, a malformed attribute stops the walk and is reported
/// (sticky error), and unknown types are simply passed along for the caller
/// to skip: that is how decoders survive newer kernels.
public struct NetlinkAttributes: Sendable {
    public private(set) var attributes: [NetlinkAttribute] = []
    /// Set when the list ended in a malformed attribute; those before it are kept.
    public private(set) var error: NetlinkDecodeError?

    public init(_ bytes: ByteView) {
        var collected: [NetlinkAttribute] = []
        error = Self.scan(bytes) { collected.append($0) }
        attributes = collected
    }

    /// Walks an attribute list without collecting it: `body` sees each
    /// attribute in order. Returns the error that stopped the walk, if any.
    @inline(__always)
    public static func scan(_ bytes: ByteView, _ body: (NetlinkAttribute) -> Void) -> NetlinkDecodeError? {
        var offset = 0
        while offset + 4 <= bytes.count {
            guard let length = bytes.u16(offset), let rawType = bytes.u16(offset + 2) else { break }
            guard length >= 4, let payload = bytes.slice(offset + 4, Int(length) - 4) else {
                return .truncated(what: "attribute", offset: offset)
            }
            body(NetlinkAttribute(
                type: rawType & ~(NetlinkAttribute.nestedFlag | NetlinkAttribute.byteOrderFlag),
                isNested: rawType & NetlinkAttribute.nestedFlag != 0, payload: payload))
            offset += NetlinkMessages.align4(Int(length))
        }
        // One to three bytes left: too short for an attribute header.
        if offset < bytes.count { return .truncated(what: "attribute header", offset: offset) }
        return nil
    }

    /// The first attribute of `type`.
    public subscript(type: UInt16) -> NetlinkAttribute? {
        attributes.first { $0.type == type }
    }

    /// Every attribute of `type` (repeated attributes).
    public func all(_ type: UInt16) -> [NetlinkAttribute] {
        attributes.filter { $0.type == type }
    }

    /// Encodes one attribute with its padding.
    public static func encode(type: UInt16, payload: [UInt8], nested: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLittle(UInt16(4 + payload.count))
        bytes.appendLittle(nested ? type | NetlinkAttribute.nestedFlag : type)
        bytes.append(contentsOf: payload)
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    public static func encodeU32(type: UInt16, _ value: UInt32) -> [UInt8] {
        var payload: [UInt8] = []
        payload.appendLittle(value)
        return encode(type: type, payload: payload)
    }

    public static func encodeString(type: UInt16, _ value: String) -> [UInt8] {
        encode(type: type, payload: Array(value.utf8) + [0])
    }
}
