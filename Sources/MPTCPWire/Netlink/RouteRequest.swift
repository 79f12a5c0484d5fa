/// `RTM_GETROUTE` for one destination from one source (what
/// `ip route get DEST from SOURCE` asks), and the output interface of the answer.
public enum RouteRequest {
    public static let getRoute: UInt16 = 26      // RTM_GETROUTE
    public static let newRoute: UInt16 = 24      // RTM_NEWROUTE
    static let attributeDestination: UInt16 = 1  // RTA_DST
    static let attributeSource: UInt16 = 2       // RTA_SRC
    static let attributeOutputInterface: UInt16 = 4  // RTA_OIF

    public static func get(destination: IPAddress, source: IPAddress, sequence: UInt32) -> [UInt8] {
        let bits: UInt8 = destination.family == IPAddress.inet ? 32 : 128
        // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags (u32).
        var payload: [UInt8] = [destination.family, bits, bits, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        payload += NetlinkAttributes.encode(type: attributeDestination, payload: destination.bytes)
        payload += NetlinkAttributes.encode(type: attributeSource, payload: source.bytes)
        return NetlinkMessage.encode(type: getRoute, flags: NetlinkMessage.flagRequest, sequence: sequence, payload: payload)
    }

    /// The output interface index of an RTM_NEWROUTE answer (nil for
    /// another message, or a route without one); a malformed message throws.
    public static func outputInterface(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> UInt32? {
        guard message.type == newRoute else { return nil }
        guard message.payload.count >= 12 else { throw .truncated(what: "rtmsg", offset: 0) }
        var index: UInt32?
        try NetlinkAttributes.each(message.payload.suffix(from: 12)) { attribute throws(NetlinkDecodeError) in
            if attribute.type == attributeOutputInterface { index = try attribute.u32("RTA_OIF") }
        }
        return index
    }
}
