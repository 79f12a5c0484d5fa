import MPTCPWire

/// Reads the path-manager configuration through the `mptcp_pm` generic
/// netlink family: endpoints (GET_ADDR dump) and limits (GET_LIMITS).
public final class PathManagerClient {
    private let socket: any NetlinkTransport
    public let family: GenericNetlinkFamily
    /// The controller's raw answer that resolved the family (for snapshots and fixtures).
    public let familyReply: [[UInt8]]

    public enum Failure: Error, CustomStringConvertible {
        case system(SystemCallError)
        case familyMissing
        case kernel(what: String, errno: Int32)
        /// The kernel's answer could not be decoded (a sticky decode error, never dropped).
        case malformed(what: String, NetlinkDecodeError)

        public var description: String {
            switch self {
            case let .system(error): return "\(error)"
            case .familyMissing: return "generic netlink family mptcp_pm not found: kernel without MPTCP path-manager support"
            case let .kernel(what, code):
                return "\(what) refused by the kernel: \(SystemCallError(function: "", subject: "", code: code).name)"
                    + (code == 1 ? " (kernels 6.7 to 6.11 without the stable fix need CAP_NET_ADMIN to list endpoints)" : "")
            case let .malformed(what, error): return "\(what): malformed answer: \(error)"
            }
        }
    }

    /// Opens a generic netlink socket and resolves `mptcp_pm` (its id is dynamic).
    public init() throws(Failure) {
        do { socket = try NetlinkSocket(protocol: NetlinkSocket.generic) } catch { throw .system(error) }
        (family, familyReply) = try Self.resolveKeepingReply(socket: socket, name: MPTCPPathManagerFamily.name)
    }

    /// Over another transport (recorded answers, injected faults).
    public init(transport: any NetlinkTransport) throws(Failure) {
        socket = transport
        (family, familyReply) = try Self.resolveKeepingReply(socket: socket, name: MPTCPPathManagerFamily.name)
    }

    /// CTRL_CMD_GETFAMILY on `socket`.
    static func resolve(socket: any NetlinkTransport, name: String) throws(Failure) -> GenericNetlinkFamily {
        try resolveKeepingReply(socket: socket, name: name).family
    }

    static func resolveKeepingReply(socket: any NetlinkTransport, name: String) throws(Failure) -> (family: GenericNetlinkFamily, reply: [[UInt8]]) {
        var family: GenericNetlinkFamily?
        let sequence = socket.sequence()
        let reply: [[UInt8]]
        do {
            reply = try exchange(socket, GenericNetlink.getFamily(name, sequence: sequence), sequence: sequence,
                                 what: "CTRL_CMD_GETFAMILY \(name)", type: GenericNetlink.controllerID, keepRaw: true) { message throws(NetlinkDecodeError) in
                family = try GenericNetlinkFamily(message)
            }
        } catch .kernel(_, 2) {
            throw .familyMissing
        }
        guard let family else { throw .familyMissing }
        return (family, reply)
    }

    /// The one request/response path of this client: sends `request`, receives
    /// until the dump or the answer ends, hands each message of `type` to
    /// `decode`, and throws what went wrong (the socket, an `NLMSG_ERROR`, a
    /// malformed datagram or message), never dropping it. Keeps the raw
    /// datagrams when asked.
    static func exchange(_ socket: any NetlinkTransport, _ request: [UInt8], sequence: UInt32, what: String, type: UInt16,
                         keepRaw: Bool, decode: (NetlinkMessage) throws(NetlinkDecodeError) -> Void) throws(Failure) -> [[UInt8]] {
        var raw: [[UInt8]] = []
        var errorCode: Int32?
        var decodeError: NetlinkDecodeError?
        do throws(SystemCallError) {
            try socket.dump(request, sequence: sequence) { view in
                if keepRaw { raw.append(view.bytes) }
                let datagramError = NetlinkMessages.scan(view) { message in
                    if let code = message.errorCode, code != 0 { errorCode = code }
                    guard message.type == type, decodeError == nil else { return }
                    do throws(NetlinkDecodeError) { try decode(message) } catch { decodeError = error }
                }
                if decodeError == nil { decodeError = datagramError }
            }
        } catch {
            throw .system(error)
        }
        if let errorCode { throw .kernel(what: what, errno: errorCode) }
        if let decodeError { throw .malformed(what: what, decodeError) }
        return raw
    }

    /// Every endpoint (`ip mptcp endpoint show`), in the kernel's order, and
    /// the raw datagrams when asked.
    public func endpoints(keepRaw: Bool = false) throws(Failure) -> (endpoints: [Endpoint], raw: [[UInt8]]) {
        var endpoints: [Endpoint] = []
        let sequence = socket.sequence()
        let raw = try Self.exchange(socket, MPTCPPathManagerFamily.getAddressesDump(family: family.id, sequence: sequence), sequence: sequence,
                                    what: "MPTCP_PM_CMD_GET_ADDR", type: family.id, keepRaw: keepRaw) { message throws(NetlinkDecodeError) in
            endpoints.append(try Endpoint(message))
        }
        return (endpoints, raw)
    }

    /// The limits (`ip mptcp limits show`).
    public func limits(keepRaw: Bool = false) throws(Failure) -> (limits: PathManagerLimits, raw: [[UInt8]]) {
        var limits: PathManagerLimits?
        let sequence = socket.sequence()
        let raw = try Self.exchange(socket, MPTCPPathManagerFamily.getLimits(family: family.id, sequence: sequence), sequence: sequence,
                                    what: "MPTCP_PM_CMD_GET_LIMITS", type: family.id, keepRaw: keepRaw) { message throws(NetlinkDecodeError) in
            limits = try PathManagerLimits(message)
        }
        return (limits ?? PathManagerLimits(subflows: nil, addAddrAccepted: nil), raw)
    }
}
