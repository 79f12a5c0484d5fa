/// Builds `SOCK_DIAG_BY_FAMILY` dump requests (`struct inet_diag_req_v2`).
public enum SockDiagRequest {
    public static let messageType: UInt16 = 20          // SOCK_DIAG_BY_FAMILY
    public static let protocolTCP: UInt32 = 6
    public static let protocolMPTCP: UInt32 = 262       // IPPROTO_MPTCP: does not fit the u8 field
    public static let attributeProtocol: UInt16 = 3     // INET_DIAG_REQ_PROTOCOL
    /// `idiag_ext` bit for INET_DIAG_INFO (1 << (2 - 1)).
    public static let extensionInfo: UInt8 = 1 << 1
    public static let allStates: UInt32 = 0xffff_ffff

    /// A dump of every socket of `protocolNumber` in `family`, with the INFO
    /// extension. A protocol above 255 is carried by the `INET_DIAG_REQ_PROTOCOL`
    /// u32 attribute (exactly 4 bytes); without it the kernel would silently
    /// answer with the sockets of `protocolNumber & 0xff` (TCP for MPTCP).
    public static func dump(family: UInt8, protocolNumber: UInt32, sequence: UInt32,
                            extensions: UInt8 = extensionInfo, states: UInt32 = allStates) -> [UInt8] {
        var request: [UInt8] = [family, UInt8(truncatingIfNeeded: protocolNumber), extensions, 0]
        request.appendLittle(states)
        request.append(contentsOf: repeatElement(0, count: 48))   // struct inet_diag_sockid: any
        if protocolNumber > 255 {
            request.append(contentsOf: NetlinkAttributes.encodeU32(type: attributeProtocol, protocolNumber))
        }
        return NetlinkMessage.encode(
            type: messageType, flags: NetlinkMessage.flagRequest | NetlinkMessage.flagDump,
            sequence: sequence, payload: request)
    }
}
