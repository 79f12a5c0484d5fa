import MPTCPWire
import MPTCPModel

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

    /// Reads every connection: the four dumps received on a second thread
    /// while this one decodes and joins them (``PipelinedDumps``); sockets are
    /// joined as they are decoded, so no dump is ever held whole unless
    /// `keepRaw` asks for its datagrams (snapshots). A dump the kernel flags
    /// as interrupted (NLM_F_DUMP_INTR) restarts the whole read, at most
    /// `attempts` times.
    public func read(keepRaw: Bool = false) throws(SockDiagClient.DumpError) -> (snapshot: ConnectionSnapshot, raw: RawDumps?, decodeErrors: [NetlinkDecodeError]) {
        var observer = NoSubflowObserver()
        return try read(keepRaw: keepRaw, observer: &observer)
    }

    /// ``read(keepRaw:)``, handing `observer` each subflow as it is joined
    /// (``SubflowObserver``); `observer.restart()` begins every attempt.
    public func read<Observer: SubflowObserver>(keepRaw: Bool = false, observer: inout Observer)
        throws(SockDiagClient.DumpError) -> (snapshot: ConnectionSnapshot, raw: RawDumps?, decodeErrors: [NetlinkDecodeError]) {
        let dumps = Self.dumps
        for _ in 0..<Self.attempts {
            observer.restart()
            var errors: [NetlinkDecodeError] = []
            var raw = RawDumps()
            var datagrams: [[UInt8]] = []
            var joiner = ConnectionJoiner(interfaces: InterfaceTable.read())
            var result = SockDiagDecoder.Result()
            var current = 0
            var inodes: [UInt32: Int]?
            var failure: SockDiagClient.DumpError?
            var interrupted = false
            try client.pipelined(dumps) { event in
                switch event {
                case let .datagram(view):
                    if keepRaw { datagrams.append(view.bytes) }
                    if dumps[current].protocolNumber == SockDiagRequest.protocolMPTCP {
                        SockDiagDecoder.decode(view, infoKind: .mptcp, into: &result, onSocket: { joiner.addMPTCP($0) })
                    } else {
                        // TCP sockets that are not subflows are skipped after their header and ULP name.
                        let known = inodes ?? joiner.connectionInodes
                        inodes = known
                        SockDiagDecoder.decode(view, infoKind: .tcp, into: &result,
                                               keep: { ConnectionJoiner.isSubflow($0, ulpIsMPTCP: $1, connectionInodes: known) },
                                               onSocket: { if let subflow = joiner.addTCP($0) { observer.observe(subflow) } })
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
                    if keepRaw {
                        let dump = SockDiagClient.Dump(family: dumps[index].family, protocolNumber: dumps[index].protocolNumber, datagrams: datagrams)
                        if dumps[index].protocolNumber == SockDiagRequest.protocolMPTCP { raw.mptcp.append(dump) } else { raw.tcp.append(dump) }
                        datagrams = []
                    }
                    result = SockDiagDecoder.Result()
                    current = index + 1
                    return true
                }
            }
            if let failure { throw failure }
            if interrupted { continue }
            return (joiner.finish(), keepRaw ? raw : nil, errors)
        }
        throw .interrupted(attempts: Self.attempts)
    }
}
