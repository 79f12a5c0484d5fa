/// Generic netlink: `struct genlmsghdr` and the controller family that
/// resolves a family name into its (dynamic) id and multicast groups.
public enum GenericNetlink {
    public static let headerSize = 4
    public static let controllerID: UInt16 = 0x10          // GENL_ID_CTRL
    public static let commandGetFamily: UInt8 = 3          // CTRL_CMD_GETFAMILY

    enum ControllerAttribute {
        static let familyID: UInt16 = 1
        static let familyName: UInt16 = 2
        static let version: UInt16 = 3
        static let multicastGroups: UInt16 = 7
        static let groupName: UInt16 = 1
        static let groupID: UInt16 = 2
    }

    /// A generic netlink request: nlmsghdr, genlmsghdr, attributes.
    public static func request(family: UInt16, command: UInt8, version: UInt8 = 1, flags: UInt16,
                               sequence: UInt32, attributes: [UInt8] = []) -> [UInt8] {
        NetlinkMessage.encode(type: family, flags: flags, sequence: sequence,
                              payload: [command, version, 0, 0] + attributes)
    }

    /// CTRL_CMD_GETFAMILY for `name`.
    public static func getFamily(_ name: String, sequence: UInt32) -> [UInt8] {
        request(family: controllerID, command: commandGetFamily, flags: NetlinkMessage.flagRequest, sequence: sequence,
                attributes: NetlinkAttributes.encodeString(type: ControllerAttribute.familyName, name))
    }

    /// The command of a generic netlink message and the view on its attributes.
    public static func split(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> (command: UInt8, version: UInt8, attributes: ByteView) {
        guard message.payload.count >= headerSize, let command = message.payload.u8(0), let version = message.payload.u8(1) else {
            throw .truncated(what: "genlmsghdr", offset: message.payload.count)
        }
        return (command, version, message.payload.suffix(from: headerSize))
    }
}

/// What the controller says about a family.
public struct GenericNetlinkFamily: Sendable, Equatable {
    public var id: UInt16
    public var version: UInt32
    /// Multicast group name → id.
    public var groups: [String: UInt32]

    /// Decodes the reply to CTRL_CMD_GETFAMILY.
    public init(_ message: NetlinkMessage) throws(NetlinkDecodeError) {
        let (_, _, attributes) = try GenericNetlink.split(message)
        var id: UInt16?
        var version: UInt32 = 0
        var groups: [String: UInt32] = [:]
        try NetlinkAttributes.each(attributes) { attribute throws(NetlinkDecodeError) in
            switch attribute.type {
            case GenericNetlink.ControllerAttribute.familyID: id = try attribute.u16("CTRL_ATTR_FAMILY_ID")
            case GenericNetlink.ControllerAttribute.version: version = try attribute.u32("CTRL_ATTR_VERSION")
            case GenericNetlink.ControllerAttribute.multicastGroups:
                try NetlinkAttributes.each(attribute.payload) { group throws(NetlinkDecodeError) in
                    var name: String?
                    var groupID: UInt32?
                    try NetlinkAttributes.each(group.payload) { field throws(NetlinkDecodeError) in
                        switch field.type {
                        case GenericNetlink.ControllerAttribute.groupName: name = field.payload.string
                        case GenericNetlink.ControllerAttribute.groupID: groupID = try field.u32("CTRL_ATTR_MCAST_GRP_ID")
                        default: break
                        }
                    }
                    if let name, let groupID { groups[name] = groupID }
                }
            default: break
            }
        }
        guard let id else { throw .missingAttribute("CTRL_ATTR_FAMILY_ID") }
        self.id = id
        self.version = version
        self.groups = groups
    }
}
