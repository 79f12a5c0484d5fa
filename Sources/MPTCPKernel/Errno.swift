import MPTCPWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call: the C function, what it was applied to, and `errno`.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C function that failed: `open`, `read`, `socket`, …
    public var function: String
    /// What it was called on (a path, a netlink family), for the log line.
    public var subject: String
    /// The `errno` value.
    public var code: Int32

    public init(function: String, subject: String, code: Int32) {
        self.function = function
        self.subject = subject
        self.code = code
    }

    /// `ENOENT`, `EACCES`, … for the log line.
    public var name: String { ErrnoNames.name(code) }

    public var description: String {
        let message = strerror(code).map { String(cString: $0) } ?? "unknown error"
        return "\(function)(\(subject)): \(name) (\(message))"
    }
}
