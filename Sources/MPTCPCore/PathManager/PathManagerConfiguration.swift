/// The `mptcp_pm` generic netlink family: commands, attributes, endpoint flags.
public enum MPTCPPathManagerFamily {
    public static let name = "mptcp_pm"
    public static let eventsGroup = "mptcp_pm_events"
    public static let version: UInt8 = 1
    public static let commandGetAddress: UInt8 = 3
    public static let commandGetLimits: UInt8 = 6

    enum Attribute {
        static let address: UInt16 = 1
        static let receiveAddAddrs: UInt16 = 2
        static let subflows: UInt16 = 3
    }
    enum AddressAttribute {
        static let family: UInt16 = 1
        static let id: UInt16 = 2
        static let address4: UInt16 = 3
        static let address6: UInt16 = 4
        static let port: UInt16 = 5
        static let flags: UInt16 = 6
        static let interfaceIndex: UInt16 = 7
    }

    public static func getAddressesDump(family: UInt16, sequence: UInt32) -> [UInt8] {
        GenericNetlink.request(family: family, command: commandGetAddress, version: version,
                               flags: NetlinkMessage.flagRequest | NetlinkMessage.flagDump, sequence: sequence)
    }

    public static func getLimits(family: UInt16, sequence: UInt32) -> [UInt8] {
        GenericNetlink.request(family: family, command: commandGetLimits, version: version,
                               flags: NetlinkMessage.flagRequest, sequence: sequence)
    }
}

/// One path-manager endpoint (`ip mptcp endpoint show`).
public struct Endpoint: Sendable, Equatable {
    public var id: UInt8
    public var address: IPAddress?
    /// 0 when the endpoint has no port.
    public var port: UInt16
    /// 0 when the endpoint is not tied to a device.
    public var interfaceIndex: Int32
    public var interfaceName: String?
    public var flags: UInt32

    public struct Flag: Sendable, Equatable {
        public var bit: UInt32
        public var name: String
    }
    /// MPTCP_PM_ADDR_FLAG_* in `ip mptcp` spelling.
    public static let knownFlags: [Flag] = [
        Flag(bit: 1 << 0, name: "signal"), Flag(bit: 1 << 1, name: "subflow"), Flag(bit: 1 << 2, name: "backup"),
        Flag(bit: 1 << 3, name: "fullmesh"), Flag(bit: 1 << 4, name: "implicit"), Flag(bit: 1 << 5, name: "laminar"),
    ]

    /// Flag names, in `ip mptcp` order; unknown bits as `0x…`.
    public var flagNames: [String] {
        var names = Self.knownFlags.filter { flags & $0.bit != 0 }.map(\.name)
        let known = Self.knownFlags.reduce(UInt32(0)) { $0 | $1.bit }
        if flags & ~known != 0 { names.append("0x" + String(flags & ~known, radix: 16)) }
        return names
    }

    public func has(_ name: String) -> Bool { flagNames.contains(name) }

    /// Decodes one GET_ADDR reply message: the `MPTCP_PM_ATTR_ADDR` nest.
    public init?(_ message: NetlinkMessage) {
        guard let (_, _, attributes) = GenericNetlink.split(message) else { return nil }
        var nest: ByteView?
        _ = NetlinkAttributes.scan(attributes) { if $0.type == MPTCPPathManagerFamily.Attribute.address { nest = $0.payload } }
        guard let nest else { return nil }
        self.init(nest: nest)
    }

    init?(nest: ByteView) {
        var id: UInt8?
        var family: UInt16 = 0
        var address: IPAddress?
        var port: UInt16 = 0, flags: UInt32 = 0
        var interfaceIndex: Int32 = 0
        _ = NetlinkAttributes.scan(nest) { attribute in
            let payload = attribute.payload
            switch attribute.type {
            case MPTCPPathManagerFamily.AddressAttribute.family: family = payload.u16(0) ?? 0
            case MPTCPPathManagerFamily.AddressAttribute.id: id = payload.u8(0)
            case MPTCPPathManagerFamily.AddressAttribute.address4 where payload.count == 4:
                address = IPAddress(family: IPAddress.inet, bytes: payload.bytes)
            case MPTCPPathManagerFamily.AddressAttribute.address6 where payload.count == 16:
                address = IPAddress(family: IPAddress.inet6, bytes: payload.bytes)
            // Host byte order on current kernels (nla_put_u16 of ntohs(port)),
            // even though the YAML spec says big-endian.
            case MPTCPPathManagerFamily.AddressAttribute.port: port = payload.u16(0) ?? 0
            case MPTCPPathManagerFamily.AddressAttribute.flags: flags = payload.u32(0) ?? 0
            case MPTCPPathManagerFamily.AddressAttribute.interfaceIndex: interfaceIndex = payload.i32(0) ?? 0
            default: break
            }
        }
        guard let id else { return nil }
        _ = family
        self.id = id
        self.address = address
        self.port = port
        self.flags = flags
        self.interfaceIndex = interfaceIndex
    }

    public init(id: UInt8, address: IPAddress?, port: UInt16 = 0, interfaceIndex: Int32 = 0, flags: UInt32) {
        self.id = id
        self.address = address
        self.port = port
        self.interfaceIndex = interfaceIndex
        self.flags = flags
    }
}

/// `ip mptcp limits show`.
public struct PathManagerLimits: Sendable, Equatable {
    public var subflows: UInt32?
    public var addAddrAccepted: UInt32?

    public init(subflows: UInt32?, addAddrAccepted: UInt32?) {
        self.subflows = subflows
        self.addAddrAccepted = addAddrAccepted
    }

    public init?(_ message: NetlinkMessage) {
        guard let (_, _, attributes) = GenericNetlink.split(message) else { return nil }
        var subflows: UInt32?, accepted: UInt32?
        _ = NetlinkAttributes.scan(attributes) { attribute in
            switch attribute.type {
            case MPTCPPathManagerFamily.Attribute.subflows: subflows = attribute.payload.u32(0)
            case MPTCPPathManagerFamily.Attribute.receiveAddAddrs: accepted = attribute.payload.u32(0)
            default: break
            }
        }
        self.subflows = subflows
        self.addAddrAccepted = accepted
    }
}

/// The `net.mptcp.*` sysctls the running kernel has, as read from
/// `<procfs>/sys/net/mptcp/`: numbers and words.
public struct MPTCPSysctls: Sendable, Equatable {
    public var numbers: [String: Int64] = [:]
    public var words: [String: String] = [:]

    public init(numbers: [String: Int64] = [:], words: [String: String] = [:]) {
        self.numbers = numbers
        self.words = words
    }

    /// Sorts each file's text into a number or a word (whitespace trimmed).
    public mutating func add(name: String, text: String) {
        let trimmed = text.trimmingWhitespace
        if let number = Int64(trimmed) { numbers[name] = number } else { words[name] = trimmed }
    }

    public var enabled: Bool? { numbers["enabled"].map { $0 != 0 } }

    /// The default path manager for new connections: `path_manager` (6.15+),
    /// else `pm_type` (0 kernel, 1 userspace).
    public var pathManager: String? {
        if let name = words["path_manager"] { return name }
        switch numbers["pm_type"] {
        case 0?: return "kernel"
        case 1?: return "userspace"
        case let other?: return "type \(other)"
        case nil: return nil
        }
    }

    public var scheduler: String? { words["scheduler"] }
}

extension String {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
