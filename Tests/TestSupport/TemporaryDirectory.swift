import Foundation

/// A fresh directory of the test's own under the system's temporary directory,
/// removed when it goes away: every file a test writes, device nodes and FIFOs
/// included, lives in one of these, never anywhere else.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ tag: String) throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside it.
    public func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
