#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads whole files under procfs and sysfs.
///
/// Files there report a size of 0 and are generated on each read, so they are
/// read with `read(2)` until end of file, never sized with `stat`. Every call
/// is retried on `EINTR`; every other failure is a ``SystemCallError``.
public enum ProcFile {
    /// Files larger than this are refused rather than read into memory.
    public static let maximumSize = 16 << 20

    /// Reads `path` completely: `open(2)`, `read(2)` until 0, `close(2)`.
    public static func read(_ path: String) throws(SystemCallError) -> [UInt8] {
        var fd: Int32
        repeat {
            fd = open(path, O_RDONLY | O_CLOEXEC)
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw SystemCallError(function: "open", subject: path, code: errno) }
        defer { _ = close(fd) }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 32768)
        while true {
            let got = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                var count: Int
                repeat {
                    count = Glibc.read(fd, base, raw.count)
                } while count < 0 && errno == EINTR
                return count
            }
            if got < 0 { throw SystemCallError(function: "read", subject: path, code: errno) }
            if got == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<got])
            if bytes.count > maximumSize {
                throw SystemCallError(function: "read", subject: path, code: EFBIG)
            }
        }
    }

    /// Reads a small text file (a sysctl) and trims the trailing newline.
    public static func readText(_ path: String) throws(SystemCallError) -> String {
        var text = String(decoding: try read(path), as: UTF8.self)
        while let last = text.last, last == "\n" || last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
