import MPTCPWire
#if canImport(Glibc)
import Glibc
#endif

/// One MPTCP socket of the exporter's own, for a probe: the system calls and
/// nothing else (what to do with them is ``Prober``'s). Non-blocking; every
/// wait is a `poll` bounded by the caller's deadline. Closed when it goes away.
public final class ProbeSocket {
    private let descriptor: Int32
    public let family: UInt8

    /// `IPPROTO_MPTCP`.
    public static let protocolMPTCP: Int32 = 262
    /// `SOCK_STREAM`, `SOCK_NONBLOCK`, `SOCK_CLOEXEC` (linux/net.h, asm-generic/fcntl.h): the values,
    /// since glibc's `__socket_type` enumeration is not visible to every build of this module.
    static let stream: Int32 = 1
    static let nonBlocking: Int32 = 0o4000
    static let closeOnExec: Int32 = 0o2000000

    /// `socket(family, SOCK_STREAM, IPPROTO_MPTCP)`. Fails with
    /// EPROTONOSUPPORT on a kernel without MPTCP, ENOPROTOOPT when
    /// `net.mptcp.enabled` is 0.
    public init(family: UInt8) throws(SystemCallError) {
        let type = Self.stream | Self.nonBlocking | Self.closeOnExec
        let descriptor = Glibc.socket(Int32(family), type, Self.protocolMPTCP)
        guard descriptor >= 0 else {
            throw SystemCallError(function: "socket", subject: "IPPROTO_MPTCP", code: errno)
        }
        self.descriptor = descriptor
        self.family = family
    }

    deinit { Glibc.close(descriptor) }

    /// `SO_BINDTODEVICE`: subflows of this socket leave through `interface`.
    public func bind(toDevice interface: String) throws(SystemCallError) {
        let result = interface.withCString { name in
            setsockopt(descriptor, SOL_SOCKET, SO_BINDTODEVICE, name, socklen_t(strlen(name) + 1))
        }
        guard result == 0 else { throw SystemCallError(function: "setsockopt", subject: "SO_BINDTODEVICE \(interface)", code: errno) }
    }

    /// `bind(2)` to a source address (port 0: the kernel picks).
    public func bind(to address: IPAddress) throws(SystemCallError) {
        let result = Self.withSockaddr(SocketAddress(address: address, port: 0)) { Glibc.bind(descriptor, $0, $1) }
        guard result == 0 else { throw SystemCallError(function: "bind", subject: "\(address)", code: errno) }
    }

    /// Starts `connect(2)` and waits for it to finish, at most `timeout`
    /// seconds. Returns nil when connected, else the error (ETIMEDOUT when the
    /// deadline passed first).
    public func connect(to target: SocketAddress, timeout: Double) -> SystemCallError? {
        let started = Self.withSockaddr(target) { Glibc.connect(descriptor, $0, $1) }
        if started == 0 { return nil }
        let code = errno
        guard code == EINPROGRESS else { return SystemCallError(function: "connect", subject: "\(target)", code: code) }
        guard wait(for: Int16(POLLOUT), timeout: timeout) else {
            return SystemCallError(function: "connect", subject: "\(target)", code: ETIMEDOUT)
        }
        var pending: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &pending, &length) == 0 else {
            return SystemCallError(function: "getsockopt", subject: "SO_ERROR", code: errno)
        }
        return pending == 0 ? nil : SystemCallError(function: "connect", subject: "\(target)", code: pending)
    }

    /// The local address and port (`getsockname`).
    public func localAddress() -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { return nil }
        let bytes = withUnsafeBytes(of: storage) { Array($0.prefix(Int(length))) }
        return SocketAddress(sockaddr: ByteView(bytes))
    }

    /// Sends all of `bytes` within `timeout` seconds.
    public func send(_ bytes: [UInt8], timeout: Double) throws(SystemCallError) {
        var sent = 0
        let deadline = Self.now() + timeout
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if result > 0 { sent += result; continue }
            let code = result < 0 ? errno : EIO
            guard code == EAGAIN || code == EINTR else { throw SystemCallError(function: "send", subject: "probe", code: code) }
            guard wait(for: Int16(POLLOUT), timeout: deadline - Self.now()) else {
                throw SystemCallError(function: "send", subject: "probe", code: ETIMEDOUT)
            }
        }
    }

    /// Receives until `limit` bytes, the peer's end of stream, `timeout`
    /// seconds, or `idle` seconds without data once some arrived; returns
    /// what came (possibly nothing).
    public func receive(limit: Int, timeout: Double, idle: Double = 0.2) throws(SystemCallError) -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        let deadline = Self.now() + timeout
        while received.count < limit {
            let result = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, min($0.count, limit - received.count), 0) }
            if result > 0 { received += buffer[0..<result]; continue }
            if result == 0 { break }
            let code = errno
            guard code == EAGAIN || code == EINTR else { throw SystemCallError(function: "recv", subject: "probe", code: code) }
            let left = deadline - Self.now()
            guard wait(for: Int16(POLLIN), timeout: received.isEmpty ? left : min(left, idle)) else { break }
        }
        return received
    }

    /// `getsockopt(level, name)` into a buffer holding `input` (options that
    /// read their input, like MPTCP_FULL_INFO); returns the bytes the kernel
    /// wrote, or throws with the errno (EOPNOTSUPP for SOL_MPTCP options once
    /// the connection fell back to TCP).
    public func option(level: Int32, name: Int32, input: [UInt8]) throws(SystemCallError) -> [UInt8] {
        var buffer = input
        var length = socklen_t(buffer.count)
        let result = buffer.withUnsafeMutableBytes { getsockopt(descriptor, level, name, $0.baseAddress, &length) }
        guard result == 0 else { throw SystemCallError(function: "getsockopt", subject: "level \(level) option \(name)", code: errno) }
        return Array(buffer.prefix(Int(length)))
    }

    /// MPTCP_FULL_INFO (6.5+): the connection and every subflow in one call;
    /// throws ENOPROTOOPT or EOPNOTSUPP on older kernels, EOPNOTSUPP after a fallback.
    public func fullInfo(subflows: Int = 16) throws(SystemCallError) -> MPTCPSocketInfo? {
        let subflowInfo = UnsafeMutableRawBufferPointer.allocate(byteCount: subflows * MPTCPSocketOptions.subflowInfoSize, alignment: 8)
        let tcpInfo = UnsafeMutableRawBufferPointer.allocate(byteCount: subflows * MPTCPSocketOptions.tcpInfoSize, alignment: 8)
        defer { subflowInfo.deallocate(); tcpInfo.deallocate() }
        subflowInfo.initializeMemory(as: UInt8.self, repeating: 0)
        tcpInfo.initializeMemory(as: UInt8.self, repeating: 0)
        let request = MPTCPSocketOptions.fullInfoRequest(
            subflows: subflows,
            subflowInfoAddress: UInt64(UInt(bitPattern: subflowInfo.baseAddress)),
            tcpInfoAddress: UInt64(UInt(bitPattern: tcpInfo.baseAddress)))
        let header = try option(level: MPTCPSocketOptions.level, name: MPTCPSocketOptions.fullInfo, input: request)
        return MPTCPSocketOptions.decodeFullInfo(ByteView(header), subflowInfo: ByteView(Array(subflowInfo)), tcpInfo: ByteView(Array(tcpInfo)))
    }

    /// MPTCP_INFO, MPTCP_TCPINFO and MPTCP_SUBFLOW_ADDRS (5.16+), for kernels before MPTCP_FULL_INFO.
    public func subflowData(subflows: Int = 16) throws(SystemCallError) -> MPTCPSocketInfo {
        let info = try option(level: MPTCPSocketOptions.level, name: MPTCPSocketOptions.info,
                              input: [UInt8](repeating: 0, count: MPTCPSocketOptions.mptcpInfoSize))
        let tcp = try option(level: MPTCPSocketOptions.level, name: MPTCPSocketOptions.tcpInfo,
                             input: MPTCPSocketOptions.subflowDataRequest(subflows: subflows, elementSize: MPTCPSocketOptions.tcpInfoSize))
        let addresses = try option(level: MPTCPSocketOptions.level, name: MPTCPSocketOptions.subflowAddresses,
                                   input: MPTCPSocketOptions.subflowDataRequest(subflows: subflows, elementSize: MPTCPSocketOptions.subflowAddressesSize))
        return MPTCPSocketOptions.decodeSubflowData(info: ByteView(info), tcpInfo: ByteView(tcp), addresses: ByteView(addresses))
    }

    /// `TCP_INFO` of the socket: on an MPTCP socket, its first subflow's; after a fallback, the TCP connection's.
    public func tcpInfo() throws(SystemCallError) -> TCPInfo {
        TCPInfo(ByteView(try option(level: Int32(IPPROTO_TCP), name: TCP_INFO, input: [UInt8](repeating: 0, count: MPTCPSocketOptions.tcpInfoSize))))
    }

    /// Waits for `events` at most `timeout` seconds (EINTR retried); true when ready.
    private func wait(for events: Int16, timeout: Double) -> Bool {
        let deadline = Self.now() + max(0, timeout)
        while true {
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let left = deadline - Self.now()
            let result = poll(&entry, 1, Int32(max(0, min(left, 3600)) * 1000))
            if result > 0 { return true }
            if result == 0 { return false }
            guard errno == EINTR, Self.now() < deadline else { return false }
        }
    }

    /// Seconds on the monotonic clock.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// A `sockaddr_in` or `sockaddr_in6` for `address`, handed to `body` with its length.
    static func withSockaddr<T>(_ address: SocketAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        let bytes = address.address.bytes
        if address.address.family == IPAddress.inet {
            var raw = sockaddr_in()
            raw.sin_family = sa_family_t(AF_INET)
            raw.sin_port = address.port.bigEndian
            withUnsafeMutableBytes(of: &raw.sin_addr) { $0.copyBytes(from: bytes.prefix(4)) }
            return withUnsafePointer(to: &raw) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var raw = sockaddr_in6()
        raw.sin6_family = sa_family_t(AF_INET6)
        raw.sin6_port = address.port.bigEndian
        withUnsafeMutableBytes(of: &raw.sin6_addr) { $0.copyBytes(from: bytes.prefix(16)) }
        return withUnsafePointer(to: &raw) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
    }
}

/// Names to addresses (`getaddrinfo`, numeric addresses without a lookup).
public enum HostResolver {
    /// Why a name has no address: the resolver's own words (`gai_strerror`).
    public struct Failure: Error, CustomStringConvertible {
        public var host: String
        public var reason: String
        public var description: String { "cannot resolve \(host): \(reason)" }
    }

    /// The addresses of `host` for TCP, IPv4 and IPv6 in the resolver's order.
    public static func addresses(of host: String) throws(Failure) -> [IPAddress] {
        if let address = IPAddress(parsing: host) { return [address] }
        var hints = addrinfo()
        hints.ai_socktype = ProbeSocket.stream
        var list: UnsafeMutablePointer<addrinfo>?
        let result = getaddrinfo(host, nil, &hints, &list)
        guard result == 0, let first = list else {
            let reason = result == 0 ? "no address" : result == EAI_SYSTEM ? ErrnoNames.name(errno) : String(cString: gai_strerror(result))
            throw Failure(host: host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let raw = current.pointee.ai_addr {
                let length = Int(current.pointee.ai_addrlen)
                let bytes = Array(UnsafeRawBufferPointer(start: raw, count: length))
                if let address = SocketAddress(sockaddr: ByteView(bytes)), !addresses.contains(address.address) {
                    addresses.append(address.address)
                }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}
