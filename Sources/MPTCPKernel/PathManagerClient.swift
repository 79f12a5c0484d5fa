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
        /// Every attempt of a dump was flagged NLM_F_DUMP_INTR.
        case interrupted(what: String, attempts: Int)

        public var description: String {
            switch self {
            case let .system(error): return "\(error)"
            case .familyMissing: return "generic netlink family mptcp_pm not found: kernel without MPTCP path-manager support"
            case let .kernel(what, code):
                return "\(what) refused by the kernel: \(SystemCallError(function: "", subject: "", code: code).name)"
                    + (code == 1 ? " (kernels 6.7 to 6.11 without the stable fix need CAP_NET_ADMIN to list endpoints)" : "")
            case let .malformed(what, error): return "\(what): malformed answer: \(error)"
            case let .interrupted(what, attempts): return "\(what): dump interrupted \(attempts) times in a row (endpoints changing)"
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
        let reply: [[UInt8]]
        do {
            reply = try exchange(socket, what: "CTRL_CMD_GETFAMILY \(name)", type: GenericNetlink.controllerID, keepRaw: true,
                                 request: { GenericNetlink.getFamily(name, sequence: $0) }) { message throws(NetlinkDecodeError) in
                family = try GenericNetlinkFamily(message)
            }
        } catch .kernel(_, 2) {
            throw .familyMissing
        }
        guard let family else { throw .familyMissing }
        return (family, reply)
    }

    /// ``NetlinkTransport/exchange(request:type:keepRaw:attempts:restart:decode:)``
    /// with its errors named for the command.
    static func exchange(_ socket: any NetlinkTransport, what: String, type: UInt16, keepRaw: Bool,
                         restart: () -> Void = {}, request: (UInt32) -> [UInt8],
                         decode: (NetlinkMessage) throws(NetlinkDecodeError) -> Void) throws(Failure) -> [[UInt8]] {
        do {
            return try socket.exchange(request: request, type: type, keepRaw: keepRaw, restart: restart, decode: decode)
        } catch {
            switch error {
            case let .system(error): throw .system(error)
            case let .kernel(code): throw .kernel(what: what, errno: code)
            case let .interrupted(attempts): throw .interrupted(what: what, attempts: attempts)
            case let .malformed(error): throw .malformed(what: what, error)
            }
        }
    }

    /// Every endpoint (`ip mptcp endpoint show`), in the kernel's order, and
    /// the raw datagrams when asked.
    public func endpoints(keepRaw: Bool = false) throws(Failure) -> (endpoints: [Endpoint], raw: [[UInt8]]) {
        var endpoints: [Endpoint] = []
        let id = family.id
        let raw = try Self.exchange(socket, what: "MPTCP_PM_CMD_GET_ADDR", type: id, keepRaw: keepRaw, restart: { endpoints = [] },
                                    request: { MPTCPPathManagerFamily.getAddressesDump(family: id, sequence: $0) }) { message throws(NetlinkDecodeError) in
            endpoints.append(try Endpoint(message))
        }
        return (endpoints, raw)
    }

    /// The limits (`ip mptcp limits show`).
    public func limits(keepRaw: Bool = false) throws(Failure) -> (limits: PathManagerLimits, raw: [[UInt8]]) {
        var limits: PathManagerLimits?
        let id = family.id
        let raw = try Self.exchange(socket, what: "MPTCP_PM_CMD_GET_LIMITS", type: id, keepRaw: keepRaw,
                                    request: { MPTCPPathManagerFamily.getLimits(family: id, sequence: $0) }) { message throws(NetlinkDecodeError) in
            limits = try PathManagerLimits(message)
        }
        return (limits ?? PathManagerLimits(subflows: nil, addAddrAccepted: nil), raw)
    }
}
