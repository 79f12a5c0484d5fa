/// One netlink attribute (`struct nlattr`): type and payload.
public struct NetlinkAttribute: Sendable {
    /// The type without the NESTED and NET_BYTEORDER flag bits.
    public var type: UInt16
    public var isNested: Bool
    public var payload: ByteView

    public static let nestedFlag: UInt16 = 0x8000
    public static let byteOrderFlag: UInt16 = 0x4000

    // Fixed-size scalars: nla_put_u8/u16/u32 give exactly that many bytes;
    // any other length is a malformed attribute, never a silent 0.
    public func u8(_ what: String) throws(NetlinkDecodeError) -> UInt8 { try exact(what, 1) { $0.u8(0) } }
    public func u16(_ what: String) throws(NetlinkDecodeError) -> UInt16 { try exact(what, 2) { $0.u16(0) } }
    /// Network byte order (`nla_put_be16`).
    public func u16be(_ what: String) throws(NetlinkDecodeError) -> UInt16 { try exact(what, 2) { $0.u16be(0) } }
    public func u32(_ what: String) throws(NetlinkDecodeError) -> UInt32 { try exact(what, 4) { $0.u32(0) } }
    public func i32(_ what: String) throws(NetlinkDecodeError) -> Int32 { try exact(what, 4) { $0.i32(0) } }
    /// An IPv4 (4 bytes) or IPv6 (16 bytes) address.
    public func address(_ what: String, family: UInt8) throws(NetlinkDecodeError) -> IPAddress {
        let size = family == IPAddress.inet ? 4 : 16
        guard payload.count == size else { throw .attributeLength(what: what, length: payload.count, expected: size) }
        return IPAddress(family: family, bytes: payload.bytes)
    }

    private func exact<T>(_ what: String, _ size: Int, _ read: (ByteView) -> T?) throws(NetlinkDecodeError) -> T {
        guard payload.count == size, let value = read(payload) else {
            throw .attributeLength(what: what, length: payload.count, expected: size)
        }
        return value
    }
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

    /// Walks an attribute list; the walk's own error (a malformed attribute)
    /// and the first error `body` throws are thrown, never dropped.
    public static func each(_ bytes: ByteView, _ body: (NetlinkAttribute) throws(NetlinkDecodeError) -> Void) throws(NetlinkDecodeError) {
        var thrown: NetlinkDecodeError?
        let error = scan(bytes) { attribute in
            guard thrown == nil else { return }
            do throws(NetlinkDecodeError) { try body(attribute) } catch { thrown = error }
        }
        if let thrown { throw thrown }
        if let error { throw error }
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
