import MPTCPCore

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

        public var description: String {
            switch self {
            case let .system(error): return "\(error)"
            case .familyMissing: return "generic netlink family mptcp_pm not found: kernel without MPTCP path-manager support"
            case let .kernel(what, code):
                return "\(what) refused by the kernel: \(SystemCallError(function: "", subject: "", code: code).name)"
                    + (code == 1 ? " (kernels 6.7 to 6.11 without the stable fix need CAP_NET_ADMIN to list endpoints)" : "")
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
        let sequence = socket.sequence()
        var family: GenericNetlinkFamily?
        var errorCode: Int32?
        var reply: [[UInt8]] = []
        do {
            try socket.dump(GenericNetlink.getFamily(name, sequence: sequence), sequence: sequence) { view in
                reply.append(view.bytes)
                _ = NetlinkMessages.scan(view) { message in
                    if let code = message.errorCode, code != 0 { errorCode = code }
                    if message.type == GenericNetlink.controllerID, let decoded = GenericNetlinkFamily(message) { family = decoded }
                }
            }
        } catch {
            throw .system(error)
        }
        if errorCode == 2 { throw .familyMissing }
        if let errorCode { throw .kernel(what: "CTRL_CMD_GETFAMILY \(name)", errno: errorCode) }
        guard let family else { throw .familyMissing }
        return (family, reply)
    }

    /// Every endpoint (`ip mptcp endpoint show`), in the kernel's order, and
    /// the raw datagrams when asked.
    public func endpoints(keepRaw: Bool = false) throws(Failure) -> (endpoints: [Endpoint], raw: [[UInt8]]) {
        let sequence = socket.sequence()
        var endpoints: [Endpoint] = []
        var raw: [[UInt8]] = []
        var errorCode: Int32?
        do {
            try socket.dump(MPTCPPathManagerFamily.getAddressesDump(family: family.id, sequence: sequence), sequence: sequence) { view in
                if keepRaw { raw.append(view.bytes) }
                _ = NetlinkMessages.scan(view) { message in
                    if let code = message.errorCode, code != 0 { errorCode = code }
                    if message.type == family.id, let endpoint = Endpoint(message) { endpoints.append(endpoint) }
                }
            }
        } catch {
            throw .system(error)
        }
        if let errorCode { throw .kernel(what: "MPTCP_PM_CMD_GET_ADDR", errno: errorCode) }
        return (endpoints, raw)
    }

    /// The limits (`ip mptcp limits show`).
    public func limits(keepRaw: Bool = false) throws(Failure) -> (limits: PathManagerLimits, raw: [[UInt8]]) {
        let sequence = socket.sequence()
        var limits: PathManagerLimits?
        var raw: [[UInt8]] = []
        var errorCode: Int32?
        do {
            try socket.dump(MPTCPPathManagerFamily.getLimits(family: family.id, sequence: sequence), sequence: sequence) { view in
                if keepRaw { raw.append(view.bytes) }
                _ = NetlinkMessages.scan(view) { message in
                    if let code = message.errorCode, code != 0 { errorCode = code }
                    if message.type == family.id { limits = PathManagerLimits(message) }
                }
            }
        } catch {
            throw .system(error)
        }
        if let errorCode { throw .kernel(what: "MPTCP_PM_CMD_GET_LIMITS", errno: errorCode) }
        return (limits ?? PathManagerLimits(subflows: nil, addAddrAccepted: nil), raw)
    }
}

/// Reads `<procfs>/sys/net/mptcp/*`: whatever sysctls the kernel has.
public enum SysctlReader {
    public static func mptcp(procfs: String) throws(SystemCallError) -> MPTCPSysctls {
        var sysctls = MPTCPSysctls()
        let directory = procfs + "/sys/net/mptcp"
        for name in try Directory.list(directory) {
            // A sysctl that vanishes or cannot be read is skipped, not fatal.
            if let text = try? ProcFile.readText(directory + "/" + name) { sysctls.add(name: name, text: text) }
        }
        return sysctls
    }
}
