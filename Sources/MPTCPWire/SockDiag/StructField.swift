/// One fixed-size field of a kernel structure that the kernel returns at
/// whatever length it was built with: where it lies, and from which payload
/// length it is there. ``MPTCPInfo`` and ``TCPInfo`` each declare their
/// fields once, in a table of these.
public struct StructField<Value: FixedWidthInteger & UnsignedInteger>: Sendable {
    /// Byte offset in the structure.
    public let offset: Int
    /// The shortest payload that has the field: its end, or the size of the
    /// structure that introduced it when that is larger (a field that took
    /// the place of alignment padding or a reserved byte is 0, not absent, in
    /// the older structure).
    public let presentFrom: Int

    /// - Parameters:
    ///   - offset: the field's byte offset.
    ///   - since: the size of the first structure that had the field, when it
    ///     matters (see ``presentFrom``).
    public init(_ offset: Int, since structSize: Int = 0) {
        self.offset = offset
        presentFrom = max(offset + MemoryLayout<Value>.size, structSize)
    }

    /// Whether a payload of `length` bytes has the field.
    @inline(__always)
    public func isPresent(in length: Int) -> Bool { length >= presentFrom }

    /// The value in `bytes`, 0 when the payload does not have the field.
    @inline(__always)
    public func read(_ bytes: ByteView) -> Value {
        guard bytes.count >= presentFrom else { return 0 }
        return bytes.little(offset, as: Value.self) ?? 0
    }
}
