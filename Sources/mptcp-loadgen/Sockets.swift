#if canImport(Glibc)
import Glibc
#endif

/// IPPROTO_MPTCP: not in older C headers.
let ipprotoMPTCP: Int32 = 262
/// SOL_MPTCP and MPTCP_INFO (linux/mptcp.h).
let solMPTCP: Int32 = 284
let mptcpInfoOption: Int32 = 1

struct LoadgenError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
    static func errno(_ what: String) -> LoadgenError {
        LoadgenError("\(what): \(String(cString: strerror(Glibc.errno)))")
    }
}

/// An IPv4 or IPv6 socket address parsed from `a.b.c.d:port` or `[v6]:port`.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0
    var family: Int32 = AF_INET

    init(_ text: String) throws {
        let host: String
        let portText: String
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = String(text[text.index(after: close)...].dropFirst())
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
        } else {
            throw LoadgenError("address \(text): expected host:port")
        }
        guard let port = UInt16(portText) else { throw LoadgenError("address \(text): bad port") }
        if host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { throw LoadgenError("bad IPv6 \(host)") }
            family = AF_INET6
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host.isEmpty ? "0.0.0.0" : host, &address.sin_addr) == 1 else {
                throw LoadgenError("bad IPv4 \(host)")
            }
            family = AF_INET
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
            }
        }
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var copy = storage
        return withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}

/// Monotonic seconds.
func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Subflows of an MPTCP socket, from `getsockopt(SOL_MPTCP, MPTCP_INFO)`:
/// `mptcpi_subflows_total` (offset 80) when the kernel has it, else
/// `mptcpi_subflows` (offset 0, additional subflows) + 1. nil after fallback.
func subflowCount(_ fd: Int32) -> Int? {
    var info = [UInt8](repeating: 0, count: 96)
    var length = socklen_t(info.count)
    let result = info.withUnsafeMutableBytes { getsockopt(fd, solMPTCP, mptcpInfoOption, $0.baseAddress, &length) }
    guard result == 0 else { return nil }
    if length > 80 { return Int(info[80]) }
    return Int(info[0]) + 1
}

/// Raises the open-file limit so that thousands of connections fit: the soft
/// limit to the hard one, and both to `wanted` when allowed (root).
func raiseFileLimit(_ wanted: rlim_t = 1 << 20) {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    var raised = rlimit(rlim_cur: max(limit.rlim_cur, wanted), rlim_max: max(limit.rlim_max, wanted))
    if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) != 0 {
        raised = rlimit(rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised)
    }
}
