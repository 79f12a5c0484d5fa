import MPTCPCore

/// Dumps MPTCP connections and TCP sockets through NETLINK_SOCK_DIAG.
public final class SockDiagClient {
    private let socket: NetlinkSocket

    public init() throws(SystemCallError) {
        socket = try NetlinkSocket(protocol: NetlinkSocket.sockDiag)
    }

    /// What one dump returned, raw and decoded.
    public struct Dump: Sendable {
        public var family: UInt8
        public var protocolNumber: UInt32
        public var datagrams: [[UInt8]]
        public var decoded: SockDiagDecoder.Result
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

    /// Dumps every socket of `protocolNumber` in `family` with the INFO
    /// extension; an interrupted dump (NLM_F_DUMP_INTR) is retried up to
    /// `attempts` times.
    public func dump(family: UInt8, protocolNumber: UInt32, attempts: Int = 3) throws(DumpError) -> Dump {
        for _ in 0..<max(1, attempts) {
            let sequence = socket.sequence()
            let request = SockDiagRequest.dump(family: family, protocolNumber: protocolNumber, sequence: sequence)
            let datagrams: [[UInt8]]
            do {
                datagrams = try socket.dump(request, sequence: sequence)
            } catch {
                throw .system(error)
            }
            let decoded = SockDiagDecoder.decode(
                datagrams, infoKind: protocolNumber == SockDiagRequest.protocolMPTCP ? .mptcp : .tcp)
            if let code = decoded.kernelError {
                throw .kernel(family: family, protocolNumber: protocolNumber, errno: code)
            }
            if decoded.interrupted { continue }
            return Dump(family: family, protocolNumber: protocolNumber, datagrams: datagrams, decoded: decoded)
        }
        throw .interrupted(attempts: attempts)
    }
}
