import MPTCPWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a whole file a user named on the command line (`report --from`,
/// `--web.config.file`), with errors that name the file and the reason.
public enum InputFile {
    public struct Failure: Error, Sendable, CustomStringConvertible, Equatable {
        public var path: String
        public var code: Int32
        /// Set when the file is larger than the caller accepts.
        public var limit: Int?

        public var description: String {
            if let limit { return "cannot read \(path): larger than \(limit) bytes" }
            let message = strerror(code).map { String(cString: $0) } ?? "unknown error"
            return "cannot read \(path): \(ErrnoNames.name(code)) (\(message))"
        }
    }

    public static func read(_ path: String, limit: Int = 64 << 20) throws(Failure) -> [UInt8] {
        let fd = retryingOnInterrupt { open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) }
        guard fd >= 0 else { throw Failure(path: path, code: errno) }
        defer { _ = close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { throw Failure(path: path, code: EISDIR) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = chunk.withUnsafeMutableBytes { raw in retryingOnInterrupt { Glibc.read(fd, raw.baseAddress, raw.count) } }
            if got < 0 { throw Failure(path: path, code: errno) }
            if got == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<got])
            if bytes.count > limit { throw Failure(path: path, code: EFBIG, limit: limit) }
        }
    }
}

/// Creates a directory for output files (`--save-raw`), with its parents, as
/// `mkdir -p` does; an existing directory is fine, anything else at the path is not.
public enum OutputDirectory {
    public static func create(_ path: String) throws(OutputFile.Failure) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o777) == 0 { continue }
            let code = errno
            var info = stat()
            guard code == EEXIST, stat(prefix, &info) == 0 else { throw OutputFile.Failure(path: prefix, step: "mkdir", code: code) }
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw OutputFile.Failure(path: prefix, step: "mkdir", code: ENOTDIR) }
        }
    }
}

/// Checks, without reading (a file that blocks must not stall a start), that
/// the files a collector will read are there and readable: for a warning at
/// start naming the file and the reason.
public enum ReadableCheck {
    /// nil when `path` is a readable regular file (or directory, when
    /// `directory` is set); else why not.
    public static func problem(_ path: String, directory: Bool = false) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): \(ErrnoNames.name(errno)) (\(String(cString: strerror(errno))))" }
        let kind = info.st_mode & S_IFMT
        if directory, kind != S_IFDIR { return "\(path): not a directory" }
        if !directory, kind != S_IFREG { return "\(path): not a regular file (a procfs file is one; reading this may block)" }
        guard access(path, R_OK) == 0 else { return "\(path): \(ErrnoNames.name(errno)) (\(String(cString: strerror(errno))))" }
        return nil
    }
}
