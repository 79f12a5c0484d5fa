#if canImport(Glibc)
import Glibc
#endif

/// Whole writes to standard output and standard error (`write(2)`, retried
/// on EINTR and short writes), without Foundation's FileHandle: for
/// mptcp-exporter's commands and mptcp-top alike.
public enum StandardStream {
    public static func output(_ text: String) { write(text, to: 1) }
    public static func error(_ text: String) { write(text, to: 2) }

    private static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
