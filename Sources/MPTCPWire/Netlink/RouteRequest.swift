/// `RTM_GETROUTE` for one destination from one source (what
/// `ip route get DEST from SOURCE [oif DEV]` asks), and what the answer says.
public enum RouteRequest {
    public static let getRoute: UInt16 = 26      // RTM_GETROUTE
    public static let newRoute: UInt16 = 24      // RTM_NEWROUTE
    static let attributeDestination: UInt16 = 1  // RTA_DST
    static let attributeSource: UInt16 = 2       // RTA_SRC
    static let attributeOutputInterface: UInt16 = 4  // RTA_OIF
    static let attributeTable: UInt16 = 15       // RTA_TABLE

    /// `outputInterface`: the device the socket is bound to (an endpoint's
    /// `dev`), as the kernel's own lookup for the subflow has it.
    public static func get(destination: IPAddress, source: IPAddress, outputInterface: UInt32? = nil, sequence: UInt32) -> [UInt8] {
        let bits: UInt8 = destination.family == IPAddress.inet ? 32 : 128
        // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags (u32):
        // RTM_F_LOOKUP_TABLE (0x1000) asks for the table the lookup matched in
        // (0 for none), not the table the cached route was made for.
        var payload: [UInt8] = [destination.family, bits, bits, 0, 0, 0, 0, 0, 0x00, 0x10, 0, 0]
        payload += NetlinkAttributes.encode(type: attributeDestination, payload: destination.bytes)
        payload += NetlinkAttributes.encode(type: attributeSource, payload: source.bytes)
        if let outputInterface {
            payload += NetlinkAttributes.encode(type: attributeOutputInterface, payload: withUnsafeBytes(of: outputInterface.littleEndian, Array.init))
        }
        return NetlinkMessage.encode(type: getRoute, flags: NetlinkMessage.flagRequest, sequence: sequence, payload: payload)
    }

    /// What one RTM_NEWROUTE answer says.
    public struct Answer: Sendable, Equatable {
        /// The output interface index (nil for a route without one).
        public var outputInterface: UInt32?
        /// The table that held the route: 0 when none did and the kernel,
        /// asked with an output interface, assumed the destination is on
        /// that interface's link (IPv4's fallback in ip_route_output_key).
        public var table: UInt32

        public init(outputInterface: UInt32?, table: UInt32) {
            self.outputInterface = outputInterface
            self.table = table
        }
    }

    /// The answer of an RTM_NEWROUTE message (nil for another message); a
    /// malformed message throws.
    public static func answer(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> Answer? {
        guard message.type == newRoute else { return nil }
        guard message.payload.count >= 12 else { throw .truncated(what: "rtmsg", offset: 0) }
        var answer = Answer(outputInterface: nil, table: UInt32(message.payload.u8(4) ?? 0))
        try NetlinkAttributes.each(message.payload.suffix(from: 12)) { attribute throws(NetlinkDecodeError) in
            switch attribute.type {
            case attributeOutputInterface: answer.outputInterface = try attribute.u32("RTA_OIF")
            case attributeTable: answer.table = try attribute.u32("RTA_TABLE")
            default: break
            }
        }
        return answer
    }

    /// The output interface index of an RTM_NEWROUTE answer.
    public static func outputInterface(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> UInt32? {
        try answer(message)?.outputInterface
    }
}
