import CMNL
import MPTCPWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes a file the way Unix tools do, for every file the tool writes
/// (`report -o`, `snapshot -o` and `--report`, `--save-raw`).
///
/// What is at the path decides how:
/// - nothing: a new file, written atomically (a temporary file in the same
///   directory, then `rename(2)`), so a reader never sees half of it;
/// - a regular file: replaced atomically the same way, keeping its mode;
/// - a symbolic link: followed, and whatever it points to is written as below
///   (the link itself stays);
/// - a character or block device, a FIFO or a socket: opened and written in
///   place, as `>` in a shell would (`/dev/null`, `/dev/stdout`, a pipe);
/// - a directory: refused.
///
/// Nothing is ever renamed over anything but a regular file, and not on the
/// strength of an earlier look alone: a new file is placed with
/// `renameat2(RENAME_NOREPLACE)`, and a regular file is checked again (same
/// device and inode, still regular) just before the rename. If the path
/// changed meanwhile, the choice is made again. Every failure is a
/// ``Failure`` that names the path, the step and the errno.
public enum OutputFile {
    public struct Failure: Error, Sendable, CustomStringConvertible, Equatable {
        public var path: String
        /// What was being done: `create`, `write`, `rename`, …
        public var step: String
        public var code: Int32

        public var description: String {
            let message = strerror(code).map { String(cString: $0) } ?? "unknown error"
            let hint: String
            switch code {
            case EISDIR: hint = " (it is a directory: give a file name)"
            case ENOENT where step == "create": hint = " (its directory does not exist)"
            default: hint = ""
            }
            return "cannot write \(path): \(step): \(ErrnoNames.name(code)) (\(message))\(hint)"
        }
    }

    /// How the bytes reached the path, for tests and logs.
    public enum Method: Sendable, Equatable {
        case replacedAtomically
        case writtenInPlace
    }

    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String) throws(Failure) -> Method {
        guard !path.isEmpty else { throw Failure(path: path, step: "create", code: ENOENT) }
        // A path that keeps changing under the write: give up after a few choices.
        for _ in 0..<3 {
            if let method = try writeOnce(bytes, to: path) { return method }
        }
        throw Failure(path: path, step: "rename", code: EBUSY)
    }

    /// One choice and its write; nil when the path changed between the look
    /// and the rename (nothing was replaced; look again).
    static func writeOnce(_ bytes: [UInt8], to path: String) throws(Failure) -> Method? {
        // stat follows a symbolic link: a link to a device writes the device,
        // a link to a regular file replaces that file (not the link).
        var target = path
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
            guard let resolved = realpath(path, nil) else {
                // A dangling link: write through it, as `>` would create its target.
                try inPlace(bytes, path: path, create: true)
                return .writtenInPlace
            }
            target = String(cString: resolved)
            free(resolved)
        }
        if stat(target, &info) != 0 {
            guard errno == ENOENT else { throw Failure(path: path, step: "stat", code: errno) }
            return try atomically(bytes, path: target, replacing: nil) ? .replacedAtomically : nil
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return try atomically(bytes, path: target, replacing: info) ? .replacedAtomically : nil
        case S_IFDIR:
            throw Failure(path: path, step: "open", code: EISDIR)
        default:
            try inPlace(bytes, path: target, create: false)
            return .writtenInPlace
        }
    }

    public static func write(_ text: String, to path: String) throws(Failure) {
        try write(Array(text.utf8), to: path)
    }

    /// `open(O_WRONLY|O_TRUNC)` and write: devices, FIFOs, sockets, dangling links.
    static func inPlace(_ bytes: [UInt8], path: String, create: Bool) throws(Failure) {
        let flags = O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | (create ? O_CREAT : 0)
        let fd = retryingOnInterrupt { open(path, flags, 0o666) }
        guard fd >= 0 else { throw Failure(path: path, step: create ? "create" : "open", code: errno) }
        defer { _ = close(fd) }
        try writeAll(bytes, fd: fd, path: path)
    }

    /// A temporary file beside `path`, written and synced, then renamed over
    /// `existing` (the regular file seen there, checked again first) or into
    /// the empty place (`RENAME_NOREPLACE`). False, with nothing replaced and
    /// the temporary file removed, when the path is no longer what was seen.
    static func atomically(_ bytes: [UInt8], path: String, replacing existing: stat?) throws(Failure) -> Bool {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(directory)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard fd >= 0 else { throw Failure(path: path, step: "create", code: errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var closed = false
        do throws(Failure) {
            // mkstemp makes 0600; a new file gets what open(0666) would under the umask.
            let wanted = existing.map { $0.st_mode & 0o7777 } ?? (0o666 & ~currentUmask())
            guard fchmod(fd, wanted) == 0 else { throw Failure(path: path, step: "chmod", code: errno) }
            try writeAll(bytes, fd: fd, path: path)
            guard fsync(fd) == 0 else { throw Failure(path: path, step: "fsync", code: errno) }
            closed = true
            guard close(fd) == 0 else { throw Failure(path: path, step: "close", code: errno) }
            guard try place(temporary, at: path, replacing: existing) else {
                _ = unlink(temporary)
                return false
            }
            return true
        } catch {
            if !closed { _ = close(fd) }
            _ = unlink(temporary)
            throw error
        }
    }

    /// The rename itself, only over what was seen; false when the path changed.
    static func place(_ temporary: String, at path: String, replacing existing: stat?) throws(Failure) -> Bool {
        var now = stat()
        if let existing {
            guard lstat(path, &now) == 0, (now.st_mode & S_IFMT) == S_IFREG,
                  now.st_dev == existing.st_dev, now.st_ino == existing.st_ino else { return false }
            guard rename(temporary, path) == 0 else { throw Failure(path: path, step: "rename", code: errno) }
            return true
        }
        if cmnl_rename_noreplace(temporary, path) == 0 { return true }
        switch errno {
        case EEXIST:
            return false
        case EINVAL:
            // A file system without RENAME_NOREPLACE: the narrowest check left.
            guard lstat(path, &now) != 0, errno == ENOENT else { return false }
            guard rename(temporary, path) == 0 else { throw Failure(path: path, step: "rename", code: errno) }
            return true
        case let code:
            throw Failure(path: path, step: "rename", code: code)
        }
    }

    static func writeAll(_ bytes: [UInt8], fd: Int32, path: String) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let wrote = bytes.withUnsafeBytes { raw in
                retryingOnInterrupt { Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) }
            }
            guard wrote > 0 else { throw Failure(path: path, step: "write", code: wrote < 0 ? errno : EIO) }
            offset += wrote
        }
    }

    /// The process umask from /proc/self/status (Linux 4.7+): reading it with
    /// umask(2) means setting it, which races with other threads. 022 if unreadable.
    static func currentUmask() -> mode_t {
        guard let status = try? ProcFile.readText("/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
              let mask = mode_t(line.dropFirst(6).trimmingPrefix(while: { $0 == " " || $0 == "\t" }), radix: 8)
        else { return 0o022 }
        return mask
    }
}

/// Calls `body` again while it fails with `EINTR` (once is not always enough
/// for a blocking open of a FIFO interrupted by a signal; bounded at 100).
func retryingOnInterrupt<T: BinaryInteger>(_ body: () -> T) -> T {
    var result = body()
    var tries = 1
    while result < 0, errno == EINTR, tries < 100 {
        result = body()
        tries += 1
    }
    return result
}
