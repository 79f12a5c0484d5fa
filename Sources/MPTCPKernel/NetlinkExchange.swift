import MPTCPWire

/// Why a netlink request got no usable answer.
public enum NetlinkExchangeError: Error, Sendable {
    /// The socket failed (send or receive).
    case system(SystemCallError)
    /// The kernel answered `NLMSG_ERROR` with this errno.
    case kernel(errno: Int32)
    /// Every attempt was flagged `NLM_F_DUMP_INTR`.
    case interrupted(attempts: Int)
    /// The answer could not be decoded (the first error; the answer was read to its end).
    case malformed(NetlinkDecodeError)
}

extension NetlinkTransport {
    /// The one request/response path of the kernel layer for requests whose
    /// answer is decoded as it arrives: a fresh sequence number per attempt
    /// (``NetlinkSocket`` drops replies with another one and stops at
    /// `NLMSG_DONE`, an `NLMSG_ERROR` or the end of a single answer), the
    /// control side read by ``NetlinkAnswer``, every message of `type` (any
    /// non-control message when nil) handed to `decode`, and what went wrong thrown, never dropped. A dump
    /// flagged `NLM_F_DUMP_INTR` is asked again (`restart` clears what the
    /// previous attempt decoded), at most `attempts` times.
    ///
    /// sock_diag connection reads take the pipelined path
    /// (``ConnectionReader``, ``PipelinedDumps``) over the same socket loop
    /// and the same ``NetlinkAnswer``.
    ///
    /// Returns the raw datagrams of the answer that was used when `keepRaw`.
    @discardableResult
    public func exchange(request: (_ sequence: UInt32) -> [UInt8], type: UInt16? = nil, keepRaw: Bool = false, attempts: Int = 3,
                         restart: () -> Void = {},
                         decode: (NetlinkMessage) throws(NetlinkDecodeError) -> Void) throws(NetlinkExchangeError) -> [[UInt8]] {
        for _ in 0..<max(1, attempts) {
            restart()
            var answer = NetlinkAnswer()
            var raw: [[UInt8]] = []
            var firstDecodeError: NetlinkDecodeError?
            let sequence = sequence()
            do throws(SystemCallError) {
                try dump(request(sequence), sequence: sequence) { view in
                    if keepRaw { raw.append(view.bytes) }
                    answer.absorb(view) { message in
                        guard firstDecodeError == nil, message.type == type ?? message.type else { return }
                        do throws(NetlinkDecodeError) { try decode(message) } catch { firstDecodeError = error }
                    }
                }
            } catch {
                throw .system(error)
            }
            if let code = answer.kernelError { throw .kernel(errno: code) }
            if answer.interrupted { continue }
            if let error = firstDecodeError ?? answer.decodeErrors.first { throw .malformed(error) }
            return raw
        }
        throw .interrupted(attempts: max(1, attempts))
    }
}
