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

    /// The endpoint's `dev`: nil when it has none, its name when `names`
    /// knows the index, else `ifindex<N>` (an interface gone or in another
    /// namespace). The one mapping every view uses.
    public func interfaceName(_ names: [UInt32: String]) -> String? {
        interfaceIndex == 0 ? nil : InterfaceTable.name(of: UInt32(bitPattern: interfaceIndex), in: names)
    }

    /// Decodes one GET_ADDR reply message: the `MPTCP_PM_ATTR_ADDR` nest.
    /// A malformed list, a scalar of the wrong size, or no id is an error.
    public init(_ message: NetlinkMessage) throws(NetlinkDecodeError) {
        let (_, _, attributes) = try GenericNetlink.split(message)
        var nest: ByteView?
        try NetlinkAttributes.each(attributes) { if $0.type == MPTCPPathManagerFamily.Attribute.address { nest = $0.payload } }
        guard let nest else { throw .missingAttribute("MPTCP_PM_ATTR_ADDR") }
        try self.init(nest: nest)
    }

    init(nest: ByteView) throws(NetlinkDecodeError) {
        var id: UInt8?
        var family: UInt16?
        var address: (family: UInt8, attribute: NetlinkAttribute)?
        // Absent means none: the kernel writes PORT always and IF_IDX only when set.
        var port: UInt16 = 0, flags: UInt32?
        var interfaceIndex: Int32 = 0
        try NetlinkAttributes.each(nest) { attribute throws(NetlinkDecodeError) in
            switch attribute.type {
            case MPTCPPathManagerFamily.AddressAttribute.family: family = try attribute.u16("MPTCP_PM_ADDR_ATTR_FAMILY")
            case MPTCPPathManagerFamily.AddressAttribute.id: id = try attribute.u8("MPTCP_PM_ADDR_ATTR_ID")
            case MPTCPPathManagerFamily.AddressAttribute.address4: address = (IPAddress.inet, attribute)
            case MPTCPPathManagerFamily.AddressAttribute.address6: address = (IPAddress.inet6, attribute)
            // Host byte order on current kernels (nla_put_u16 of ntohs(port)),
            // even though the YAML spec says big-endian.
            case MPTCPPathManagerFamily.AddressAttribute.port: port = try attribute.u16("MPTCP_PM_ADDR_ATTR_PORT")
            case MPTCPPathManagerFamily.AddressAttribute.flags: flags = try attribute.u32("MPTCP_PM_ADDR_ATTR_FLAGS")
            case MPTCPPathManagerFamily.AddressAttribute.interfaceIndex: interfaceIndex = try attribute.i32("MPTCP_PM_ADDR_ATTR_IF_IDX")
            default: break
            }
        }
        guard let id else { throw .missingAttribute("MPTCP_PM_ADDR_ATTR_ID") }
        guard let flags else { throw .missingAttribute("MPTCP_PM_ADDR_ATTR_FLAGS") }
        _ = family
        self.id = id
        self.address = try address.map { address throws(NetlinkDecodeError) in
            try address.attribute.address(address.family == IPAddress.inet ? "MPTCP_PM_ADDR_ATTR_ADDR4" : "MPTCP_PM_ADDR_ATTR_ADDR6",
                                          family: address.family)
        }
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

    /// Decodes the GET_LIMITS reply; a limit the kernel did not send stays unknown (nil).
    public init(_ message: NetlinkMessage) throws(NetlinkDecodeError) {
        let (_, _, attributes) = try GenericNetlink.split(message)
        var subflows: UInt32?, accepted: UInt32?
        try NetlinkAttributes.each(attributes) { attribute throws(NetlinkDecodeError) in
            switch attribute.type {
            case MPTCPPathManagerFamily.Attribute.subflows: subflows = try attribute.u32("MPTCP_PM_ATTR_SUBFLOWS")
            case MPTCPPathManagerFamily.Attribute.receiveAddAddrs: accepted = try attribute.u32("MPTCP_PM_ATTR_RCV_ADD_ADDRS")
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
