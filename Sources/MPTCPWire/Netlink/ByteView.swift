/// A bounds-checked window on bytes received from the kernel.
///
/// Every read takes an offset relative to the window and returns nil when the
/// field is not wholly inside it: a field the kernel did not send is absent,
/// never zero and never a trap. Copying a view shares the array's storage.
public struct ByteView: Sendable {
    public let base: [UInt8]
    public let range: Range<Int>

    public init(_ bytes: [UInt8]) {
        base = bytes
        range = bytes.startIndex..<bytes.endIndex
    }

    public init(base: [UInt8], range: Range<Int>) {
        self.base = base
        self.range = range.clamped(to: base.startIndex..<base.endIndex)
    }

    public var count: Int { range.count }
    public var isEmpty: Bool { range.isEmpty }

    /// The sub-window `[offset, offset+length)`, or nil if it does not fit.
    public func slice(_ offset: Int, _ length: Int) -> ByteView? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        let start = range.lowerBound + offset
        return ByteView(base: base, range: start..<(start + length))
    }

    /// Everything from `offset` on (empty when `offset` is past the end).
    public func suffix(from offset: Int) -> ByteView {
        let start = min(range.upperBound, range.lowerBound + max(0, offset))
        return ByteView(base: base, range: start..<range.upperBound)
    }

    public func u8(_ offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return base[range.lowerBound + offset]
    }

    /// Little-endian unsigned integer at `offset`: one bounds check against
    /// the window (the window lies inside `base`, see `init`), then one
    /// unaligned load instead of a checked read per byte.
    @inline(__always)
    func little<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, size <= count, offset <= count - size else { return nil }
        let start = range.lowerBound + offset
        return T(littleEndian: base.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start, as: T.self) })
    }

    public func u16(_ offset: Int) -> UInt16? { little(offset, as: UInt16.self) }
    public func u32(_ offset: Int) -> UInt32? { little(offset, as: UInt32.self) }
    public func u64(_ offset: Int) -> UInt64? { little(offset, as: UInt64.self) }
    public func i32(_ offset: Int) -> Int32? { u32(offset).map { Int32(bitPattern: $0) } }

    /// Big-endian (network order) 16-bit value: ports.
    public func u16be(_ offset: Int) -> UInt16? { u16(offset).map { $0.byteSwapped } }
    /// Big-endian 32-bit value.
    public func u32be(_ offset: Int) -> UInt32? { u32(offset).map { $0.byteSwapped } }

    /// The bytes as an array.
    public var bytes: [UInt8] { Array(base[range]) }

    /// A NUL-terminated (or not) string.
    public var string: String {
        let bytes = base[range]
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }
}
