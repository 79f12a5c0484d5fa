import MPTCPWire
import MPTCPKernel
import Synchronization

/// A netlink transport that answers from a script instead of the kernel:
/// recorded datagrams, `NLMSG_ERROR` with any errno, interrupted dumps, or a
/// failing system call. It is how the tests put the clients and collectors
/// through the kernel's faults (EPERM, ENOENT, EBUSY, NLM_F_DUMP_INTR) at the
/// byte level, with the same decoders as the real socket.
public final class ScriptedNetlinkTransport: NetlinkTransport, @unchecked Sendable {
    /// One answer to one request.
    public enum Answer: Sendable {
        /// These datagrams (their sequence numbers are rewritten to the request's).
        case datagrams([[UInt8]])
        /// A single `NLMSG_ERROR` carrying `-errno`.
        case kernelError(Int32)
        /// These datagrams with NLM_F_DUMP_INTR set on every message.
        case interrupted([[UInt8]])
        /// `recvmsg(2)` itself fails with this errno.
        case systemError(Int32)
    }

    /// Request bytes → answer. The request's netlink type and, for generic
    /// netlink, its command, tell what is asked.
    public typealias Script = @Sendable (_ request: [UInt8]) -> Answer

    private let script: Script
    private let state = Mutex<(sequence: UInt32, requests: Int)>((0, 0))

    public init(_ script: @escaping Script) { self.script = script }

    /// Requests answered so far.
    public var requests: Int { state.withLock { $0.requests } }

    public func sequence() -> UInt32 {
        state.withLock {
            $0.sequence &+= 1
            return $0.sequence
        }
    }

    public func dump(_ request: [UInt8], sequence: UInt32, maximumDatagrams: Int, _ body: (ByteView) -> Void) throws(SystemCallError) {
        state.withLock { $0.requests += 1 }
        let datagrams: [[UInt8]]
        switch script(request) {
        case let .datagrams(recorded):
            datagrams = recorded.map { Self.rewrite($0, sequence: sequence, addFlags: 0) }
        case let .interrupted(recorded):
            datagrams = recorded.map { Self.rewrite($0, sequence: sequence, addFlags: NetlinkMessage.flagDumpInterrupted) }
        case let .kernelError(code):
            let negative = UInt32(bitPattern: 0 &- code)
            var payload: [UInt8] = (0..<4).map { UInt8(truncatingIfNeeded: negative >> (8 * UInt32($0))) }
            payload += request.prefix(NetlinkMessage.headerSize)
            datagrams = [NetlinkMessage.encode(type: NetlinkMessage.typeError, flags: 0, sequence: sequence, payload: payload)]
        case let .systemError(code):
            throw SystemCallError(function: "mnl_socket_recvfrom", subject: "netlink", code: code)
        }
        for datagram in datagrams.prefix(maximumDatagrams) { body(ByteView(datagram)) }
    }

    /// Sets the sequence number (and adds flags) of every message of a datagram.
    static func rewrite(_ datagram: [UInt8], sequence: UInt32, addFlags: UInt16) -> [UInt8] {
        var bytes = datagram
        var offset = 0
        while offset + NetlinkMessage.headerSize <= bytes.count {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
            bytes[offset + 6] |= UInt8(truncatingIfNeeded: addFlags)
            bytes[offset + 7] |= UInt8(truncatingIfNeeded: addFlags >> 8)
            for index in 0..<4 { bytes[offset + 8 + index] = UInt8(truncatingIfNeeded: sequence >> (8 * UInt32(index))) }
            guard length >= NetlinkMessage.headerSize else { break }
            offset += (length + 3) & ~3
        }
        return bytes
    }
}
