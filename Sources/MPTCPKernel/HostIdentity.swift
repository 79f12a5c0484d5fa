#if canImport(Glibc)
import Glibc
#endif

/// The host name and kernel release (`uname(2)`).
public enum HostIdentity {
    public static func read() -> (hostname: String, kernel: String) {
        var host = utsname()
        uname(&host)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return (field(host.nodename), field(host.release))
    }
}
