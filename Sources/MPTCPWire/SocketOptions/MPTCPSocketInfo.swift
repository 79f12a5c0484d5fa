/// What `getsockopt(SOL_MPTCP, …)` says about one's own MPTCP socket: the
/// connection's `mptcp_info` and, per subflow, its id, addresses and
/// `tcp_info`. Decoded by the lengths the kernel wrote, like sock_diag: a
/// count or size that does not fit the bytes received is cut to what fits,
/// never trusted.
///
/// Two shapes: `MPTCP_FULL_INFO` (6.5+: one call, subflow ids included) and,
/// on 5.16 to 6.4, `MPTCP_TCPINFO` plus `MPTCP_SUBFLOW_ADDRS` (two calls, no
/// ids; the subflows come in the same order from both).
public struct MPTCPSocketInfo: Sendable, Equatable {
    public var info: MPTCPInfo
    public var subflows: [Subflow]

    public struct Subflow: Sendable, Equatable {
        /// The per-connection subflow id (`MPTCP_FULL_INFO` only). Ids are
        /// given in order of creation, so a gap is a subflow that was tried
        /// and is gone.
        public var id: UInt32?
        public var local: SocketAddress?
        public var remote: SocketAddress?
        public var tcp: TCPInfo?

        public init(id: UInt32? = nil, local: SocketAddress? = nil, remote: SocketAddress? = nil, tcp: TCPInfo? = nil) {
            self.id = id
            self.local = local
            self.remote = remote
            self.tcp = tcp
        }
    }

    public init(info: MPTCPInfo, subflows: [Subflow]) {
        self.info = info
        self.subflows = subflows
    }
}

/// An address and port from a `struct sockaddr_in` or `sockaddr_in6`.
public struct SocketAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `192.0.2.1:80`, `[2001:db8::1]:80`.
    public var description: String { address.endpoint(port: port) }

    /// Parses `192.0.2.1:80` or `[2001:db8::1]:80` (what ``description`` writes).
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard let address = IPAddress(parsing: String(host)) else { return nil }
        self.init(address: address, port: port)
    }

    /// Decodes a `sockaddr` (family, then port in network order, then the
    /// address at 4 for IPv4 or 8 for IPv6); nil for another family or too few bytes.
    public init?(sockaddr bytes: ByteView) {
        guard let family = bytes.u16(0), let port = bytes.u16be(2) else { return nil }
        switch family {
        case UInt16(IPAddress.inet):
            guard let raw = bytes.slice(4, 4) else { return nil }            // a sockaddr_in is 16 bytes
            self.init(address: IPAddress(family: IPAddress.inet, bytes: raw.bytes), port: port)
        case UInt16(IPAddress.inet6):
            guard let address = IPAddress(family: IPAddress.inet6, view: bytes, offset: 8) else { return nil }
            self.init(address: address.unmappedIPv4, port: port)
        default:
            return nil
        }
    }
}

/// The `SOL_MPTCP` socket options and their structures (uapi linux/mptcp.h).
public enum MPTCPSocketOptions {
    /// `SOL_MPTCP`.
    public static let level: Int32 = 284
    public static let info: Int32 = 1
    public static let tcpInfo: Int32 = 2
    public static let subflowAddresses: Int32 = 3
    public static let fullInfo: Int32 = 4

    /// `struct mptcp_subflow_data`: the header of MPTCP_TCPINFO and MPTCP_SUBFLOW_ADDRS.
    public static let subflowDataHeaderSize = 16
    /// `struct mptcp_full_info` before its `mptcp_info`.
    public static let fullInfoHeaderSize = 40
    /// `struct mptcp_subflow_addrs`: two `sockaddr_storage`.
    public static let subflowAddressesSize = 256
    /// `struct mptcp_subflow_info`: u32 id, padding, the addresses.
    public static let subflowInfoSize = 264
    /// The `tcp_info` size asked for (6.18 has 280; more is harmless, the kernel says what it wrote).
    public static let tcpInfoSize = 320
    /// The `mptcp_info` size asked for (6.18 has 96).
    public static let mptcpInfoSize = 128

    /// The input of MPTCP_FULL_INFO: sizes the caller offers and where the
    /// kernel writes the arrays (addresses in the caller's memory).
    public static func fullInfoRequest(subflows: Int, subflowInfoAddress: UInt64, tcpInfoAddress: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fullInfoHeaderSize + mptcpInfoSize)
        bytes.appendLittle(UInt32(0))                       // size_tcpinfo_kernel: set by the kernel
        bytes.appendLittle(UInt32(tcpInfoSize))             // size_tcpinfo_user
        bytes.appendLittle(UInt32(0))                       // size_sfinfo_kernel
        bytes.appendLittle(UInt32(subflowInfoSize))         // size_sfinfo_user
        bytes.appendLittle(UInt32(0))                       // num_subflows: set by the kernel
        bytes.appendLittle(UInt32(subflows))                // size_arrays_user
        bytes.appendLittle(subflowInfoAddress)
        bytes.appendLittle(tcpInfoAddress)
        bytes += [UInt8](repeating: 0, count: mptcpInfoSize)
        return bytes
    }

    /// Decodes MPTCP_FULL_INFO: `header` is the structure as the kernel left
    /// it (`length` bytes written), `subflowInfo` and `tcpInfo` the arrays.
    public static func decodeFullInfo(_ header: ByteView, subflowInfo: ByteView, tcpInfo: ByteView) -> MPTCPSocketInfo? {
        guard let tcpSize = header.u32(0), let offeredTCP = header.u32(4), let infoSize = header.u32(8),
              let offeredInfo = header.u32(12), let count = header.u32(16), let capacity = header.u32(20)
        else { return nil }
        let info = MPTCPInfo(header.suffix(from: fullInfoHeaderSize))
        // The kernel copies min(its size, the offered size) per element, at the offered stride.
        let tcpStride = Int(offeredTCP), tcpLength = Int(min(tcpSize, offeredTCP))
        let infoStride = Int(offeredInfo), infoLength = Int(min(infoSize, offeredInfo))
        let listed = Int(min(count, capacity, 1024))
        var subflows: [MPTCPSocketInfo.Subflow] = []
        for index in 0..<listed {
            guard let entry = subflowInfo.slice(index * infoStride, infoLength), entry.count >= 8 else { break }
            let addresses = entry.suffix(from: 8)
            subflows.append(MPTCPSocketInfo.Subflow(
                id: entry.u32(0),
                local: SocketAddress(sockaddr: addresses),
                remote: addresses.slice(128, addresses.count - 128).flatMap { SocketAddress(sockaddr: $0) },
                tcp: tcpLength > 0 ? tcpInfo.slice(index * tcpStride, tcpLength).map(TCPInfo.init) : nil))
        }
        return MPTCPSocketInfo(info: info, subflows: subflows)
    }

    /// The input of MPTCP_TCPINFO or MPTCP_SUBFLOW_ADDRS for up to `subflows` elements of `elementSize`.
    public static func subflowDataRequest(subflows: Int, elementSize: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLittle(UInt32(subflowDataHeaderSize))   // size_subflow_data
        bytes.appendLittle(UInt32(0))                       // num_subflows: set by the kernel
        bytes.appendLittle(UInt32(0))                       // size_kernel: set by the kernel
        bytes.appendLittle(UInt32(elementSize))             // size_user
        bytes += [UInt8](repeating: 0, count: subflows * elementSize)
        return bytes
    }

    /// The elements of an MPTCP_TCPINFO or MPTCP_SUBFLOW_ADDRS answer.
    public static func subflowDataElements(_ answer: ByteView) -> [ByteView] {
        guard let headerSize = answer.u32(0), let count = answer.u32(4), let kernelSize = answer.u32(8),
              let userSize = answer.u32(12), headerSize >= UInt32(subflowDataHeaderSize), userSize > 0 else { return [] }
        let stride = Int(userSize), length = Int(min(kernelSize, userSize))
        var elements: [ByteView] = []
        for index in 0..<Int(min(count, 1024)) {
            guard let element = answer.slice(Int(headerSize) + index * stride, length) else { break }
            elements.append(element)
        }
        return elements
    }

    /// MPTCP_TCPINFO and MPTCP_SUBFLOW_ADDRS answers joined by position (kernels before MPTCP_FULL_INFO).
    public static func decodeSubflowData(info: ByteView, tcpInfo: ByteView, addresses: ByteView) -> MPTCPSocketInfo {
        let tcp = subflowDataElements(tcpInfo)
        let pairs = subflowDataElements(addresses)
        var subflows: [MPTCPSocketInfo.Subflow] = []
        for index in 0..<max(tcp.count, pairs.count) {
            let pair = index < pairs.count ? pairs[index] : nil
            subflows.append(MPTCPSocketInfo.Subflow(
                local: pair.flatMap { SocketAddress(sockaddr: $0) },
                remote: pair.flatMap { $0.slice(128, $0.count - 128) }.flatMap { SocketAddress(sockaddr: $0) },
                tcp: index < tcp.count ? TCPInfo(tcp[index]) : nil))
        }
        return MPTCPSocketInfo(info: MPTCPInfo(info), subflows: subflows)
    }
}
