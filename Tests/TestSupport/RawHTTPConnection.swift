#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A TCP connection to a server on loopback that sends exactly the bytes a
/// test gives it: partial heads, pipelined requests, garbage, early closes.
/// Every read has a deadline.
public final class RawHTTPConnection: @unchecked Sendable {
    public let fd: Int32

    public init(port: Int, host: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Command.Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw Command.Failure(description: "connect 127.0.0.1:\(port): \(message)")
        }
    }

    /// Sends every byte; false if the peer has closed.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads until the peer closes or `timeout` passes; returns what came and whether the peer closed.
    public func readUntilClosed(timeout: Double) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return (received, false) }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(left * 1000, 1000)) + 1)
            if ready < 0, errno == EINTR { continue }
            if ready <= 0 { continue }
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got > 0 {
                received.append(contentsOf: buffer[0..<got])
            } else if got == 0 || (errno != EINTR && errno != EAGAIN) {
                return (received, true)
            }
        }
    }

    /// Reads until `count` bytes came, the peer closed or `timeout` passed.
    public func read(atLeast count: Int, timeout: Double) -> [UInt8] {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while received.count < count {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { break }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(left * 1000, 1000)) + 1)
            if ready <= 0 { continue }
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got <= 0 { break }
            received.append(contentsOf: buffer[0..<got])
        }
        return received
    }

    /// Reads one whole response with a Content-Length (keep-alive friendly).
    public func readResponse(timeout: Double) -> (head: String, body: [UInt8])? {
        readResponses(1, timeout: timeout).first
    }

    /// Reads several pipelined responses; `bodiless` are the indices of
    /// responses to HEAD requests (a Content-Length but no body).
    public func readResponses(_ count: Int, bodiless: Set<Int> = [], timeout: Double) -> [(head: String, body: [UInt8])] {
        var responses: [(head: String, body: [UInt8])] = []
        var pending: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while responses.count < count, deadline.timeIntervalSinceNow > 0 {
            if let end = Self.find([13, 10, 13, 10], in: pending) {
                let head = String(decoding: pending[..<end], as: UTF8.self)
                let declared = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                let length = bodiless.contains(responses.count) ? 0 : declared
                if pending.count >= end + 4 + length {
                    responses.append((head, Array(pending[(end + 4)..<(end + 4 + length)])))
                    pending.removeFirst(end + 4 + length)
                    continue
                }
            }
            let more = read(atLeast: 1, timeout: max(0.01, deadline.timeIntervalSinceNow))
            if more.isEmpty { break }
            pending.append(contentsOf: more)
        }
        return responses
    }

    /// Closes with a reset (SO_LINGER 0) instead of a FIN: a client that vanishes.
    public func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(fd)
        closed = true
    }

    private var closed = false

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    deinit { if !closed { close(fd) } }
}
