import MPTCPCore

/// Reads every MPTCP connection, subflow and listener of the calling thread's
/// network namespace: four sock_diag dumps (MPTCP and TCP, IPv4 and IPv6),
/// joined by ``ConnectionJoiner``.
public final class ConnectionReader {
    private let client: SockDiagClient

    public init() throws(SystemCallError) {
        client = try SockDiagClient()
    }

    /// The dumps of one read, kept for snapshots and fixtures.
    public struct RawDumps: Sendable {
        public var mptcp: [SockDiagClient.Dump] = []
        public var tcp: [SockDiagClient.Dump] = []
    }

    public func read(keepRaw: Bool = false) throws(SockDiagClient.DumpError) -> (snapshot: ConnectionSnapshot, raw: RawDumps?, decodeErrors: [NetlinkDecodeError]) {
        var raw = RawDumps()
        var mptcp = SockDiagDecoder.Result()
        var tcp = SockDiagDecoder.Result()
        for family in [IPAddress.inet, IPAddress.inet6] {
            let datagrams = try client.dump(family: family, protocolNumber: SockDiagRequest.protocolMPTCP, into: &mptcp, keepRaw: keepRaw)
            if keepRaw { raw.mptcp.append(.init(family: family, protocolNumber: SockDiagRequest.protocolMPTCP, datagrams: datagrams)) }
        }
        for family in [IPAddress.inet, IPAddress.inet6] {
            let datagrams = try client.dump(family: family, protocolNumber: SockDiagRequest.protocolTCP, into: &tcp, keepRaw: keepRaw)
            if keepRaw { raw.tcp.append(.init(family: family, protocolNumber: SockDiagRequest.protocolTCP, datagrams: datagrams)) }
        }
        let interfaces = InterfaceTable.read()
        let snapshot = ConnectionJoiner.join(mptcp: mptcp.sockets, tcp: tcp.sockets, interfaces: interfaces)
        return (snapshot, keepRaw ? raw : nil, mptcp.decodeErrors + tcp.decodeErrors)
    }
}
