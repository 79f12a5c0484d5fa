/// What the kernel said about one request, gathered datagram by datagram:
/// the one place where the control side of an answer is read. `NLMSG_DONE`,
/// `NLMSG_ERROR` (an errno, or 0 for an acknowledgement), `NLMSG_OVERRUN`,
/// `NLMSG_NOOP` and the `NLM_F_DUMP_INTR` flag are recorded here; every other
/// message is handed to the caller's decoder. Malformed datagrams are kept as
/// errors (sticky: the caller reads them after the answer, never loses them).
///
/// sock_diag (``SockDiagDecoder``), generic netlink and rtnetlink answers all
/// go through ``absorb(_:_:)``; the kernel layer's one exchange turns what is
/// recorded here into its errors and retries.
public struct NetlinkAnswer: Sendable {
    /// The dump ended with `NLMSG_DONE`.
    public var done = false
    /// A message carried `NLM_F_DUMP_INTR`: the kernel's table changed during
    /// the dump, which may have missed or repeated entries. Retry.
    public var interrupted = false
    /// The kernel answered `NLMSG_ERROR` with this errno (the last one seen).
    public var kernelError: Int32?
    /// Datagrams or messages that were cut short or malformed, and overruns.
    public var decodeErrors: [NetlinkDecodeError] = []

    public init() {}

    /// Whether the answer failed: an errno from the kernel, an interrupted dump or a decode error.
    public var isClean: Bool { kernelError == nil && !interrupted && decodeErrors.isEmpty }

    /// Walks the messages of one datagram: control messages are recorded,
    /// the others go to `body`. A malformed tail ends the walk and is recorded.
    @inline(__always)
    public mutating func absorb(_ datagram: ByteView, _ body: (NetlinkMessage) -> Void) {
        let error = NetlinkMessages.scan(datagram) { message in
            if message.isDumpInterrupted { interrupted = true }
            switch message.type {
            case NetlinkMessage.typeDone:
                done = true
            case NetlinkMessage.typeError:
                if let code = message.errorCode, code != 0 { kernelError = code }
            case NetlinkMessage.typeOverrun:
                decodeErrors.append(.overrun)
            case NetlinkMessage.typeNoop:
                break
            default:
                body(message)
            }
        }
        if let error { decodeErrors.append(error) }
    }
}
