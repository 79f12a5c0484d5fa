import CMNL
import MPTCPWire
#if canImport(Glibc)
import Glibc
#endif

/// What the clients need of a netlink socket: a request in, the datagrams
/// of its answer out. ``NetlinkSocket`` is the kernel;
/// ``ScriptedNetlinkTransport`` replays recorded answers and injects faults.
public protocol NetlinkTransport: AnyObject {
    /// A fresh sequence number for a request.
    func sequence() -> UInt32
    /// Sends `request` and hands each datagram of the answer to `body`, up to
    /// NLMSG_DONE, an NLMSG_ERROR or `maximumDatagrams`.
    func dump(_ request: [UInt8], sequence: UInt32, maximumDatagrams: Int, _ body: (ByteView) -> Void) throws(SystemCallError)
    /// ``dump(_:sequence:maximumDatagrams:_:)`` handing each datagram over in
    /// an array the caller keeps (a thread that queues them for another).
    /// `spare` offers an array handed over before and no longer used, to
    /// receive into again instead of allocating.
    func dumpOwned(_ request: [UInt8], sequence: UInt32, maximumDatagrams: Int,
                   spare: () -> [UInt8]?, _ body: (ByteView) -> Void) throws(SystemCallError)
}

extension NetlinkTransport {
    /// Copies each datagram; ``NetlinkSocket`` receives into the spare arrays instead.
    public func dumpOwned(_ request: [UInt8], sequence: UInt32, maximumDatagrams: Int,
                          spare: () -> [UInt8]?, _ body: (ByteView) -> Void) throws(SystemCallError) {
        try dump(request, sequence: sequence, maximumDatagrams: maximumDatagrams) { body(ByteView($0.bytes)) }
    }

    /// ``dump(_:sequence:maximumDatagrams:_:)`` without a bound of its own (2^20 datagrams).
    public func dump(_ request: [UInt8], sequence: UInt32, _ body: (ByteView) -> Void) throws(SystemCallError) {
        try dump(request, sequence: sequence, maximumDatagrams: 1 << 20, body)
    }

    /// The datagrams of the answer, copied.
    public func dump(_ request: [UInt8], sequence: UInt32, maximumDatagrams: Int = 1 << 20) throws(SystemCallError) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        try dump(request, sequence: sequence, maximumDatagrams: maximumDatagrams) { datagrams.append($0.bytes) }
        return datagrams
    }
}

/// A netlink socket, opened and driven through libmnl. The only file that
/// imports the C module: everything else sends and receives bytes.
public final class NetlinkSocket: NetlinkTransport {
    private let socket: OpaquePointer
    public let portID: UInt32
    private var buffer: [UInt8]
    private var nextSequence: UInt32

    /// Netlink protocol numbers.
    public static let sockDiag: Int32 = 4      // NETLINK_SOCK_DIAG
    public static let generic: Int32 = 16      // NETLINK_GENERIC

    /// `mnl_socket_open` + `mnl_socket_bind`.
    public init(protocol netlinkProtocol: Int32) throws(SystemCallError) {
        guard let socket = mnl_socket_open2(netlinkProtocol, Int32(SOCK_CLOEXEC.rawValue)) else {
            throw SystemCallError(function: "mnl_socket_open", subject: "netlink \(netlinkProtocol)", code: errno)
        }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let code = errno
            mnl_socket_close(socket)
            throw SystemCallError(function: "mnl_socket_bind", subject: "netlink \(netlinkProtocol)", code: code)
        }
        self.socket = socket
        portID = mnl_socket_get_portid(socket)
        // Dumps fill up to 32 KiB per datagram when the reader offers as much
        // (netlink_recvmsg remembers the largest buffer, capped near 32 KiB).
        buffer = [UInt8](repeating: 0, count: max(32768, cmnl_socket_buffer_size()))
        nextSequence = UInt32(truncatingIfNeeded: UInt64(time(nil)))
    }

    deinit { mnl_socket_close(socket) }

    /// A fresh sequence number for a request.
    public func sequence() -> UInt32 {
        nextSequence &+= 1
        return nextSequence
    }

    /// The file descriptor, for poll(2).
    public var fileDescriptor: Int32 { mnl_socket_get_fd(socket) }

    /// Joins a multicast group: `setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP)`.
    public func subscribe(group: UInt32) throws(SystemCallError) {
        var id = group
        guard mnl_socket_setsockopt(socket, 1 /* NETLINK_ADD_MEMBERSHIP */, &id, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
            throw SystemCallError(function: "setsockopt", subject: "NETLINK_ADD_MEMBERSHIP group \(group)", code: errno)
        }
    }

    /// Leaves a multicast group: `setsockopt(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP)`.
    /// The kernel's listener mask is updated before this returns.
    public func unsubscribe(group: UInt32) throws(SystemCallError) {
        var id = group
        guard mnl_socket_setsockopt(socket, 2 /* NETLINK_DROP_MEMBERSHIP */, &id, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
            throw SystemCallError(function: "setsockopt", subject: "NETLINK_DROP_MEMBERSHIP group \(group)", code: errno)
        }
    }

    /// `setsockopt(SO_RCVTIMEO)`: a blocked receive returns EAGAIN after `seconds`.
    public func setReceiveTimeout(seconds: Int) throws(SystemCallError) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        guard setsockopt(mnl_socket_get_fd(socket), SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw SystemCallError(function: "setsockopt", subject: "SO_RCVTIMEO", code: errno)
        }
    }

    /// `mnl_socket_sendto`, retried on EINTR.
    public func send(_ request: [UInt8]) throws(SystemCallError) {
        var sent: Int
        repeat {
            sent = request.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
        } while sent < 0 && errno == EINTR
        guard sent == request.count else {
            throw SystemCallError(function: "mnl_socket_sendto", subject: "netlink", code: sent < 0 ? errno : EIO)
        }
    }

    /// `mnl_socket_recvfrom`: one datagram, retried on EINTR. A datagram that
    /// did not fit (MSG_TRUNC, reported by libmnl as ENOSPC) is an error.
    public func receive() throws(SystemCallError) -> [UInt8] {
        let received = try receiveIntoBuffer()
        return Array(buffer[0..<received])
    }

    /// Sends a dump request and hands each datagram of the answer to `body`,
    /// up to NLMSG_DONE, an NLMSG_ERROR, or `maximumDatagrams` (a bound on a
    /// runaway dump). Replies with another sequence number are ignored. The
    /// view is only valid during the call: the buffer is reused.
    public func dump(_ request: [UInt8], sequence: UInt32, maximumDatagrams: Int,
                     _ body: (ByteView) -> Void) throws(SystemCallError) {
        try dumpLoop(request, sequence: sequence, maximumDatagrams: maximumDatagrams, receive: {
            () throws(SystemCallError) -> ByteView in
            // Received before the view takes its reference: else the receive would copy the buffer.
            let received = try receiveIntoBuffer()
            return ByteView(base: buffer, range: 0..<received)
        }, body)
    }

    /// Like ``dump(_:sequence:maximumDatagrams:_:)``, but each datagram is
    /// received into an array of its own (a spare one when offered), handed
    /// over without a copy.
    public func dumpOwned(_ request: [UInt8], sequence: UInt32, maximumDatagrams: Int,
                          spare: () -> [UInt8]?, _ body: (ByteView) -> Void) throws(SystemCallError) {
        try dumpLoop(request, sequence: sequence, maximumDatagrams: maximumDatagrams, receive: {
            () throws(SystemCallError) -> ByteView in
            try receive(into: spare())
        }, body)
    }

    private func dumpLoop(_ request: [UInt8], sequence: UInt32, maximumDatagrams: Int,
                          receive: () throws(SystemCallError) -> ByteView,
                          _ body: (ByteView) -> Void) throws(SystemCallError) {
        try send(request)
        var count = 0
        while count < maximumDatagrams {
            let view = try receive()
            guard view.count >= 16, view.u32(8) == sequence else { continue }
            count += 1
            let ends = Self.endsDump(view)
            body(view)
            if ends { break }
        }
    }

    /// `mnl_socket_recvfrom` into `spare` when it is as large as the
    /// buffer, else into a new array; retried on EINTR.
    private func receive(into spare: consuming [UInt8]?) throws(SystemCallError) -> ByteView {
        // Consumed, not copied: a second reference would make the receive copy the array.
        var datagram = (consume spare) ?? []
        if datagram.count < buffer.count { datagram = [UInt8](repeating: 0, count: buffer.count) }
        var received: Int
        repeat {
            received = datagram.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
        } while received < 0 && errno == EINTR
        guard received >= 0 else { throw SystemCallError(function: "mnl_socket_recvfrom", subject: "netlink", code: errno) }
        return ByteView(base: datagram, range: 0..<received)
    }

    private func receiveIntoBuffer() throws(SystemCallError) -> Int {
        var received: Int
        repeat {
            received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
        } while received < 0 && errno == EINTR
        guard received >= 0 else { throw SystemCallError(function: "mnl_socket_recvfrom", subject: "netlink", code: errno) }
        return received
    }

    /// Whether a datagram holds NLMSG_DONE or NLMSG_ERROR, or a message that
    /// is not part of a multipart answer (the end of a non-dump request).
    static func endsDump(_ datagram: ByteView) -> Bool {
        var offset = 0
        while let length = datagram.u32(offset), let type = datagram.u16(offset + 4), let flags = datagram.u16(offset + 6) {
            if type == NetlinkMessage.typeError || type == NetlinkMessage.typeDone { return true }
            if flags & NetlinkMessage.flagMulti == 0 { return true }
            guard length >= 16 else { return true }
            offset += (Int(length) + 3) & ~3
        }
        return false
    }
}
