import MPTCPWire
import MPTCPModel
#if canImport(Glibc)
import Glibc
#endif

/// Fetches `/api/v1/snapshot` from an exporter: a plain HTTP/1.1 GET over a
/// TCP socket (`getaddrinfo`, `connect`, `send`, `recv` with timeouts).
struct SnapshotHTTPClient {
    let host: String
    let port: String
    let path: String
    let timeout: Int = 5

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Accepts `http://HOST:PORT`, `http://[V6]:PORT`, `HOST:PORT`, with an optional path.
    init(source: String) throws {
        var rest = Substring(source)
        if rest.hasPrefix("http://") { rest = rest.dropFirst(7) }
        else if rest.hasPrefix("https://") { throw Failure(description: "--source: https is not supported; use the exporter's plain HTTP address") }
        let slash = rest.firstIndex(of: "/")
        let authority = slash.map { rest[..<$0] } ?? rest
        var base = slash.map { String(rest[$0...]) } ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            port = after.hasPrefix(":") ? String(after.dropFirst()) : "9262"
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = String(authority[authority.index(after: colon)...])
        } else {
            host = String(authority)
            port = "9262"
        }
        guard !host.isEmpty else { throw Failure(description: "--source \(source): no host") }
        path = base + "/api/v1/snapshot"
    }

    func fetch() throws -> [UInt8] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, port, &hints, &list)
        guard status == 0, let first = list else {
            throw Failure(description: "cannot resolve \(host) (--source): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "connect failed"
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            cursor = entry.pointee.ai_next
            let fd = socket(entry.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var time = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
            guard connect(fd, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 else {
                lastError = "connect to \(host):\(port): \(Self.describe(errno))"
                continue
            }
            let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            let request = Array("GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nAccept: application/json\r\nConnection: close\r\n\r\n".utf8)
            guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
                throw Failure(description: "send to \(host):\(port) failed")
            }
            var response: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while response.count < 256 << 20 {
                let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if got < 0, errno == EINTR { continue }
                if got < 0 { throw Failure(description: "receive from \(host):\(port): \(Self.describe(errno))") }
                if got == 0 { break }
                response += buffer[0..<got]
            }
            return try Self.body(of: response)
        }
        throw Failure(description: lastError)
    }

    /// `ECONNREFUSED (Connection refused)`.
    static func describe(_ code: Int32) -> String {
        "\(ErrnoNames.name(code)) (\(String(cString: strerror(code))))"
    }

    /// The body of an HTTP response, checked for status 200.
    static func body(of response: [UInt8]) throws -> [UInt8] {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = response.indices.first(where: { response[$0...].starts(with: separator) }) else {
            throw Failure(description: "no HTTP response")
        }
        let head = String(decoding: response[..<end], as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        guard status == 200 else { throw Failure(description: "HTTP \(status) from the exporter (is it mptcp-exporter 0.1 or newer?)") }
        return Array(response[(end + 4)...])
    }
}
