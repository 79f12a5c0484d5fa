/// An IPv4 or IPv6 address as the kernel sent it, stored inline (two
/// 64-bit words, network order) so that decoding a socket allocates nothing.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var family: UInt8
    /// Bytes 0..7 and 8..15 of the address, big-endian; IPv4 uses the top 32 bits of `high`.
    public var high: UInt64
    public var low: UInt64

    public static let inet: UInt8 = 2
    public static let inet6: UInt8 = 10

    /// From address bytes: 4 for IPv4 (or the first 4 of a 16-byte field), 16 for IPv6.
    public init(family: UInt8, bytes: [UInt8]) {
        self.family = family
        var high: UInt64 = 0, low: UInt64 = 0
        let count = family == Self.inet ? 4 : 16
        for index in 0..<min(count, bytes.count) {
            if index < 8 { high |= UInt64(bytes[index]) << (56 - 8 * index) }
            else { low |= UInt64(bytes[index]) << (56 - 8 * (index - 8)) }
        }
        self.high = high
        self.low = low
    }

    /// From a 16-byte `__be32[4]` field of a netlink message, without copying.
    public init?(family: UInt8, view: ByteView, offset: Int) {
        guard let first = view.u64(offset), let second = view.u64(offset + 8) else { return nil }
        self.family = family
        high = first.byteSwapped
        low = family == Self.inet ? 0 : second.byteSwapped
        if family == Self.inet { high &= 0xffff_ffff_0000_0000 }
    }

    /// 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        let all = (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        return family == Self.inet ? Array(all.prefix(4)) : all
    }

    public var isIPv4MappedIPv6: Bool {
        family == Self.inet6 && high == 0 && low >> 32 == 0xffff
    }

    public var description: String {
        if family == Self.inet, bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return "?" }
        if isIPv4MappedIPv6 { return "::ffff:" + bytes[12...].map(String.init).joined(separator: ".") }
        // RFC 5952: lower case, longest run of two or more zero groups as "::".
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for index in 0...groups.count {
            if index < groups.count, groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength { bestStart = runStart; bestLength = index - runStart }
                runStart = -1
            }
        }
        func hex(_ range: ArraySlice<UInt16>) -> String { range.map { String($0, radix: 16) }.joined(separator: ":") }
        guard bestLength >= 2 else { return hex(groups[...]) }
        return hex(groups[0..<bestStart]) + "::" + hex(groups[(bestStart + bestLength)...])
    }

    /// `a.b.c.d:port` or `[v6]:port`.
    public func endpoint(port: UInt16) -> String {
        family == Self.inet6 ? "[\(self)]:\(port)" : "\(self):\(port)"
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.family, lhs.high, lhs.low) < (rhs.family, rhs.high, rhs.low)
    }
}
