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
        let attributes = NetlinkAttributes(message.payload.suffix(from: InetDiagMessage.size))
        decodeError = attributes.error
        if let info = attributes[Attribute.info]?.payload {
            switch infoKind {
            case .mptcp: mptcpInfo = MPTCPInfo(info)
            case .tcp: tcpInfo = TCPInfo(info)
            }
        }
        congestionControl = attributes[Attribute.congestion]?.payload.string
        mark = attributes[Attribute.mark].flatMap { $0.payload.count == 4 ? $0.payload.u32(0) : nil }
        if let ulp = attributes[Attribute.ulpInfo] {
            let nested = NetlinkAttributes(ulp.payload)
            if decodeError == nil { decodeError = nested.error }
            ulpName = nested[ULP.name]?.payload.string
            if let mptcp = nested[ULP.mptcp] {
                let inner = NetlinkAttributes(mptcp.payload)
                if decodeError == nil { decodeError = inner.error }
                subflow = SubflowInfo(inner)
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
    }

    public static func decode(_ datagrams: [[UInt8]], infoKind: DiagSocket.InfoKind) -> Result {
        var result = Result()
        for datagram in datagrams {
            decode(datagram, infoKind: infoKind, into: &result)
        }
        return result
    }

    public static func decode(_ datagram: [UInt8], infoKind: DiagSocket.InfoKind, into result: inout Result) {
        let (messages, error) = NetlinkMessages.split(ByteView(datagram))
        if let error { result.decodeErrors.append(error) }
        for message in messages {
            if message.isDumpInterrupted { result.interrupted = true }
            switch message.type {
            case NetlinkMessage.typeDone:
                result.done = true
            case NetlinkMessage.typeError:
                if let code = message.errorCode, code != 0 { result.kernelError = code }
            case NetlinkMessage.typeOverrun:
                result.decodeErrors.append(.overrun)
            case NetlinkMessage.typeNoop:
                continue
            default:
                if let socket = DiagSocket(message, infoKind: infoKind) {
                    if let error = socket.decodeError { result.decodeErrors.append(error) }
                    result.sockets.append(socket)
                } else {
                    result.decodeErrors.append(.truncated(what: "inet_diag_msg", offset: 0))
                }
            }
        }
    }
}
