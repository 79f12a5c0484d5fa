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
        guard case let .socket(socket) = Self.decode(message, infoKind: infoKind, keep: nil) else { return nil }
        self = socket
    }

    /// What ``decode(_:infoKind:keep:)`` made of a message.
    public enum Decoded: Sendable {
        case socket(DiagSocket)
        /// `keep` declined it: nothing past the header and the ULP name was decoded.
        case skipped
        /// Shorter than `struct inet_diag_msg`.
        case malformed
    }

    /// Decodes one reply message; with `keep`, first only the header and
    /// whether the socket's ULP is `mptcp` (nil: no ULP information), and the
    /// rest (tcp_info, congestion control, subflow context) only for sockets
    /// `keep` accepts. A TCP dump lists every TCP socket of the namespace;
    /// most of them, on a busy host, are not MPTCP subflows.
    public static func decode(_ message: NetlinkMessage, infoKind: InfoKind,
                              keep: ((InetDiagMessage, _ ulpIsMPTCP: Bool?) -> Bool)?) -> Decoded {
        guard let header = InetDiagMessage(message.payload) else { return .malformed }
        var info: ByteView?, congestion: ByteView?, mark: UInt32?, ulp: ByteView?
        let attributeError = NetlinkAttributes.scan(message.payload.suffix(from: InetDiagMessage.size)) { attribute in
            switch attribute.type {
            case Attribute.info: info = attribute.payload
            case Attribute.congestion: congestion = attribute.payload
            case Attribute.mark where attribute.payload.count == 4: mark = attribute.payload.u32(0)
            case Attribute.ulpInfo: ulp = attribute.payload
            default: break       // unknown or unused attribute: skipped
            }
        }
        var ulpNameView: ByteView?, mptcpView: ByteView?
        var nestedError: NetlinkDecodeError?
        if let ulp {
            nestedError = NetlinkAttributes.scan(ulp) { attribute in
                switch attribute.type {
                case ULP.name: ulpNameView = attribute.payload
                case ULP.mptcp: mptcpView = attribute.payload
                default: break
                }
            }
        }
        if let keep, !keep(header, ulpNameView.map(Self.isMPTCPName)) { return .skipped }
        var socket = DiagSocket(header: header)
        socket.mark = mark
        socket.decodeError = attributeError ?? nestedError
        if let info {
            switch infoKind {
            case .mptcp: socket.mptcpInfo = MPTCPInfo(info)
            case .tcp: socket.tcpInfo = TCPInfo(info)
            }
        }
        socket.congestionControl = congestion?.string
        socket.ulpName = ulpNameView?.string
        if let mptcpView {
            let context = SubflowInfo(mptcpView)
            if socket.decodeError == nil { socket.decodeError = context.error }
            socket.subflow = context
        }
        return .socket(socket)
    }

    private init(header: InetDiagMessage) { self.header = header }

    /// Whether a ULP name attribute says `mptcp` (NUL-terminated or not), without making a String.
    static func isMPTCPName(_ view: ByteView) -> Bool {
        let name: [UInt8] = [0x6d, 0x70, 0x74, 0x63, 0x70]   // "mptcp"
        guard view.count == 5 || (view.count == 6 && view.u8(5) == 0) else { return false }
        for index in 0..<5 where view.u8(index) != name[index] { return false }
        return true
    }

    public enum InfoKind: Sendable { case mptcp, tcp }
}

/// Decodes the datagrams of one dump into sockets.
public enum SockDiagDecoder {
    public struct Result: Sendable {
        public var sockets: [DiagSocket] = []
        /// The control side of the answer: done, interrupted (retry), the
        /// kernel's errno, messages or attributes cut short or malformed.
        public var answer = NetlinkAnswer()
        public init() {}

        public var done: Bool { answer.done }
        public var interrupted: Bool { answer.interrupted }
        public var kernelError: Int32? { answer.kernelError }
        public var decodeErrors: [NetlinkDecodeError] { answer.decodeErrors }
    }

    /// Decodes one datagram into `result.sockets`.
    public static func decode(_ datagram: ByteView, infoKind: DiagSocket.InfoKind, into result: inout Result,
                              keep: ((InetDiagMessage, _ ulpIsMPTCP: Bool?) -> Bool)? = nil) {
        var sockets: [DiagSocket] = []
        decode(datagram, infoKind: infoKind, into: &result, keep: keep) { sockets.append($0) }
        result.sockets += sockets
    }

    /// Decodes one datagram, streaming: each socket goes to `onSocket` and
    /// nothing is kept. `onSocket` does not escape, so it may update the
    /// caller's state in place (but not `result`, which is being written).
    public static func decode(_ datagram: ByteView, infoKind: DiagSocket.InfoKind, into result: inout Result,
                              keep: ((InetDiagMessage, _ ulpIsMPTCP: Bool?) -> Bool)? = nil,
                              onSocket: (DiagSocket) -> Void) {
        var socketErrors: [NetlinkDecodeError] = []
        result.answer.absorb(datagram) { message in
            switch DiagSocket.decode(message, infoKind: infoKind, keep: keep) {
            case let .socket(socket):
                if let error = socket.decodeError { socketErrors.append(error) }
                onSocket(socket)
            case .skipped:
                break
            case .malformed:
                socketErrors.append(.truncated(what: "inet_diag_msg", offset: 0))
            }
        }
        if !socketErrors.isEmpty { result.answer.decodeErrors += socketErrors }
    }
}
