import MPTCPCore

/// Reads every MPTCP connection, subflow and listener of the calling thread's
/// network namespace: four sock_diag dumps (MPTCP and TCP, IPv4 and IPv6),
/// joined by ``ConnectionJoiner``.
public final class ConnectionReader {
    private let client: SockDiagClient
    /// Tries of a dump the kernel flags as interrupted (NLM_F_DUMP_INTR).
    static let attempts = 3

    public init() throws(SystemCallError) {
        client = try SockDiagClient()
    }

    public init(client: SockDiagClient) {
        self.client = client
    }

    /// The dumps of one read, kept for snapshots and fixtures.
    public struct RawDumps: Sendable {
        public var mptcp: [SockDiagClient.Dump] = []
        public var tcp: [SockDiagClient.Dump] = []
    }

    /// The four dumps of a read, in order: MPTCP before TCP, so that the
    /// subflows find their connections.
    static let dumps: [(family: UInt8, protocolNumber: UInt32)] = [
        (IPAddress.inet, SockDiagRequest.protocolMPTCP), (IPAddress.inet6, SockDiagRequest.protocolMPTCP),
        (IPAddress.inet, SockDiagRequest.protocolTCP), (IPAddress.inet6, SockDiagRequest.protocolTCP),
    ]

    public func read(keepRaw: Bool = false) throws(SockDiagClient.DumpError) -> (snapshot: ConnectionSnapshot, raw: RawDumps?, decodeErrors: [NetlinkDecodeError]) {
        keepRaw ? try readKeepingRaw() : try readPipelined()
    }

    /// The read of a scrape: datagrams received on a second thread while
    /// this one decodes and joins them (``PipelinedDumps``).
    func readPipelined() throws(SockDiagClient.DumpError) -> (snapshot: ConnectionSnapshot, raw: RawDumps?, decodeErrors: [NetlinkDecodeError]) {
        let dumps = Self.dumps
        for _ in 0..<Self.attempts {
            var errors: [NetlinkDecodeError] = []
            var joiner = ConnectionJoiner(interfaces: InterfaceTable.read())
            var result = SockDiagDecoder.Result()
            var current = 0
            var inodes: [UInt32: Int]?
            var failure: SockDiagClient.DumpError?
            var interrupted = false
            try client.pipelined(dumps) { event in
                switch event {
                case let .datagram(view):
                    if dumps[current].protocolNumber == SockDiagRequest.protocolMPTCP {
                        SockDiagDecoder.decode(view, infoKind: .mptcp, into: &result, onSocket: { joiner.addMPTCP($0) })
                    } else {
                        // TCP sockets that are not subflows are skipped after their header and ULP name.
                        let known = inodes ?? joiner.connectionInodes
                        inodes = known
                        SockDiagDecoder.decode(view, infoKind: .tcp, into: &result,
                                               keep: { ConnectionJoiner.isSubflow($0, ulpIsMPTCP: $1, connectionInodes: known) },
                                               onSocket: { joiner.addTCP($0) })
                    }
                    return true
                case let .end(index):
                    errors += result.decodeErrors
                    if let code = result.kernelError {
                        failure = .kernel(family: dumps[index].family, protocolNumber: dumps[index].protocolNumber, errno: code)
                        return false
                    }
                    if result.interrupted {
                        interrupted = true
                        return false
                    }
                    result = SockDiagDecoder.Result()
                    current = index + 1
                    return true
                }
            }
            if let failure { throw failure }
            if interrupted { continue }
            return (joiner.finish(), nil, errors)
        }
        throw .interrupted(attempts: Self.attempts)
    }

    /// The read of a snapshot: one dump after the other, keeping the datagrams.
    func readKeepingRaw() throws(SockDiagClient.DumpError) -> (snapshot: ConnectionSnapshot, raw: RawDumps?, decodeErrors: [NetlinkDecodeError]) {
        let keepRaw = true
        // Sockets are joined as they are decoded: neither dump is ever held
        // whole. A dump the kernel flags as interrupted (NLM_F_DUMP_INTR)
        // restarts the whole read, at most `attempts` times.
        for _ in 0..<Self.attempts {
            var raw = RawDumps()
            var errors: [NetlinkDecodeError] = []
            var joiner = ConnectionJoiner(interfaces: InterfaceTable.read())
            do throws(SockDiagClient.DumpError) {
                for (protocolNumber, family) in [(SockDiagRequest.protocolMPTCP, IPAddress.inet), (SockDiagRequest.protocolMPTCP, IPAddress.inet6),
                                                 (SockDiagRequest.protocolTCP, IPAddress.inet), (SockDiagRequest.protocolTCP, IPAddress.inet6)] {
                    var result = SockDiagDecoder.Result()
                    let isMPTCP = protocolNumber == SockDiagRequest.protocolMPTCP
                    // TCP sockets that are not subflows are skipped after their header and ULP name.
                    let datagrams: [[UInt8]]
                    if isMPTCP {
                        datagrams = try client.dump(family: family, protocolNumber: protocolNumber, into: &result, keepRaw: keepRaw,
                                                    attempts: 1, onSocket: { joiner.addMPTCP($0) })
                    } else {
                        let inodes = joiner.connectionInodes
                        datagrams = try client.dump(family: family, protocolNumber: protocolNumber, into: &result, keepRaw: keepRaw,
                                                    attempts: 1, keep: { ConnectionJoiner.isSubflow($0, ulpIsMPTCP: $1, connectionInodes: inodes) },
                                                    onSocket: { joiner.addTCP($0) })
                    }
                    errors += result.decodeErrors
                    if keepRaw {
                        let dump = SockDiagClient.Dump(family: family, protocolNumber: protocolNumber, datagrams: datagrams)
                        if isMPTCP { raw.mptcp.append(dump) } else { raw.tcp.append(dump) }
                    }
                }
            } catch {
                guard case .interrupted = error else { throw error }
                continue
            }
            return (joiner.finish(), raw, errors)
        }
        throw .interrupted(attempts: Self.attempts)
    }
}
