#if canImport(Glibc)
import Glibc
#endif

/// Directory listing: `opendir(3)`, `readdir(3)`, `closedir(3)`.
public enum Directory {
    /// Names in `path` (without `.` and `..`), sorted.
    public static func list(_ path: String) throws(SystemCallError) -> [String] {
        guard let directory = opendir(path) else { throw SystemCallError(function: "opendir", subject: path, code: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
