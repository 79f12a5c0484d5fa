import MPTCPWire

/// Dumps MPTCP connections and TCP sockets through NETLINK_SOCK_DIAG.
public final class SockDiagClient {
    private let socket: any NetlinkTransport

    public init() throws(SystemCallError) {
        socket = try NetlinkSocket(protocol: NetlinkSocket.sockDiag)
    }

    /// Over another transport (recorded answers, injected faults).
    public init(transport: any NetlinkTransport) {
        socket = transport
    }

    /// The raw datagrams of one dump (for snapshots and fixtures).
    public struct Dump: Sendable {
        public var family: UInt8
        public var protocolNumber: UInt32
        public var datagrams: [[UInt8]]
    }

    public enum DumpError: Error, CustomStringConvertible {
        case system(SystemCallError)
        case kernel(family: UInt8, protocolNumber: UInt32, errno: Int32)
        case interrupted(attempts: Int)

        public var description: String {
            switch self {
            case let .system(error): return "\(error)"
            case let .kernel(family, protocolNumber, code):
                let name = SystemCallError(function: "", subject: "", code: code).name
                return "sock_diag dump of protocol \(protocolNumber) family \(family == IPAddress.inet ? "inet" : "inet6") refused: \(name)"
                    + (protocolNumber == SockDiagRequest.protocolMPTCP && (code == 2 || code == 22 || code == 93)
                        ? " (kernel without MPTCP sock_diag support: mptcp_diag module missing?)" : "")
            case let .interrupted(attempts): return "sock_diag dump interrupted \(attempts) times in a row (sockets changing too fast)"
            }
        }
    }

    /// Dumps in order, received on a second thread while `body` decodes
    /// (``PipelinedDumps``); `body` returns false to stop early.
    func pipelined(_ dumps: [(family: UInt8, protocolNumber: UInt32)],
                   _ body: (PipelinedDumps.Event) -> Bool) throws(DumpError) {
        let requests = dumps.map { dump -> PipelinedDumps.Request in
            let sequence = socket.sequence()
            return PipelinedDumps.Request(
                bytes: SockDiagRequest.dump(family: dump.family, protocolNumber: dump.protocolNumber, sequence: sequence),
                sequence: sequence)
        }
        do {
            try PipelinedDumps.run(requests, on: socket, body)
        } catch {
            throw .system(error)
        }
    }
}
