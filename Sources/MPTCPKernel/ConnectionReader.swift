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
        var mptcp: [DiagSocket] = []
        var tcp: [DiagSocket] = []
        var errors: [NetlinkDecodeError] = []
        for family in [IPAddress.inet, IPAddress.inet6] {
            let dump = try client.dump(family: family, protocolNumber: SockDiagRequest.protocolMPTCP)
            mptcp += dump.decoded.sockets
            errors += dump.decoded.decodeErrors
            if keepRaw { raw.mptcp.append(dump) }
        }
        for family in [IPAddress.inet, IPAddress.inet6] {
            let dump = try client.dump(family: family, protocolNumber: SockDiagRequest.protocolTCP)
            tcp += dump.decoded.sockets
            errors += dump.decoded.decodeErrors
            if keepRaw { raw.tcp.append(dump) }
        }
        let interfaces = InterfaceTable.read()
        let snapshot = ConnectionJoiner.join(mptcp: mptcp, tcp: tcp, interfaces: interfaces)
        return (snapshot, keepRaw ? raw : nil, errors)
    }
}
