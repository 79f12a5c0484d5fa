/// One socket of a sock_diag dump, decoded: its header and the attributes
/// the exporter uses. Unknown attributes are skipped.
public struct DiagSocket: Sendable {
    public var header: InetDiagMessage
    public var mptcpInfo: MPTCPInfo?
    public var tcpInfo: TCPInfo?
    /// `INET_ULP_INFO_NAME`: `mptcp` for MPTCP subflows and listeners.
    public var ulpName: String?
    public var subflow: SubflowInfo?
    public var congestionControl: String?
    public var mark: UInt32?
    /// Problems met while decoding this socket's attributes (kept, not fatal).
    public var decodeError: NetlinkDecodeError?

    // INET_DIAG_* attribute types.
    enum Attribute {
        static let info: UInt16 = 2
        static let congestion: UInt16 = 4
        static let mark: UInt16 = 15
        static let ulpInfo: UInt16 = 19
    }
    enum ULP {
        static let name: UInt16 = 1
        static let mptcp: UInt16 = 3
    }

    /// Decodes one reply message. `infoKind` says how to read `INET_DIAG_INFO`:
    /// `mptcp_info` for an MPTCP dump, `tcp_info` for a TCP dump.
    public init?(_ message: NetlinkMessage, infoKind: InfoKind) {
        guard let header = InetDiagMessage(message.payload) else { return nil }
        self.header = header
        var ulp: ByteView?
        decodeError = NetlinkAttributes.scan(message.payload.suffix(from: InetDiagMessage.size)) { attribute in
            switch attribute.type {
            case Attribute.info:
                switch infoKind {
                case .mptcp: mptcpInfo = MPTCPInfo(attribute.payload)
                case .tcp: tcpInfo = TCPInfo(attribute.payload)
                }
            case Attribute.congestion:
                congestionControl = attribute.payload.string
            case Attribute.mark where attribute.payload.count == 4:
                mark = attribute.payload.u32(0)
            case Attribute.ulpInfo:
                ulp = attribute.payload
            default:
                break       // unknown or unused attribute: skipped
            }
        }
        if let ulp {
            var mptcp: ByteView?
            let nestedError = NetlinkAttributes.scan(ulp) { attribute in
                switch attribute.type {
                case ULP.name: ulpName = attribute.payload.string
                case ULP.mptcp: mptcp = attribute.payload
                default: break
                }
            }
            if decodeError == nil { decodeError = nestedError }
            if let mptcp {
                let context = SubflowInfo(mptcp)
                if decodeError == nil { decodeError = context.error }
                subflow = context
            }
        }
    }

    public enum InfoKind: Sendable { case mptcp, tcp }
}

/// Decodes the datagrams of one dump into sockets.
public enum SockDiagDecoder {
    public struct Result: Sendable {
        public var sockets: [DiagSocket] = []
        /// The dump ended with NLMSG_DONE.
        public var done = false
        /// The kernel flagged the dump as interrupted (NLM_F_DUMP_INTR): retry.
        public var interrupted = false
        /// The kernel answered NLMSG_ERROR with this errno.
        public var kernelError: Int32?
        /// Messages or attributes that were cut short or malformed.
        public var decodeErrors: [NetlinkDecodeError] = []
        public init() {}
    }

    public static func decode(_ datagrams: [[UInt8]], infoKind: DiagSocket.InfoKind) -> Result {
        var result = Result()
        for datagram in datagrams {
            decode(datagram, infoKind: infoKind, into: &result)
        }
        return result
    }

    public static func decode(_ datagram: [UInt8], infoKind: DiagSocket.InfoKind, into result: inout Result) {
        decode(ByteView(datagram), infoKind: infoKind, into: &result)
    }

    /// Decodes one datagram. Sockets go to `onSocket` when given (streaming:
    /// nothing is kept), else into `result.sockets`.
    public static func decode(_ datagram: ByteView, infoKind: DiagSocket.InfoKind, into result: inout Result,
                              onSocket: ((DiagSocket) -> Void)? = nil) {
        let error = NetlinkMessages.scan(datagram) { message in
            if message.isDumpInterrupted { result.interrupted = true }
            switch message.type {
            case NetlinkMessage.typeDone:
                result.done = true
            case NetlinkMessage.typeError:
                if let code = message.errorCode, code != 0 { result.kernelError = code }
            case NetlinkMessage.typeOverrun:
                result.decodeErrors.append(.overrun)
            case NetlinkMessage.typeNoop:
                break
            default:
                if let socket = DiagSocket(message, infoKind: infoKind) {
                    if let error = socket.decodeError { result.decodeErrors.append(error) }
                    if let onSocket { onSocket(socket) } else { result.sockets.append(socket) }
                } else {
                    result.decodeErrors.append(.truncated(what: "inet_diag_msg", offset: 0))
                }
            }
        }
        if let error { result.decodeErrors.append(error) }
    }
}
