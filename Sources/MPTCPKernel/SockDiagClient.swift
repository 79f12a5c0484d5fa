import MPTCPCore

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

    /// Dumps every socket of `protocolNumber` in `family` with the INFO
    /// extension; an interrupted dump (NLM_F_DUMP_INTR) is retried up to
    /// `attempts` times.
    /// Dumps into `result`, appending to what it already holds (so the four
    /// dumps of a read share one array); returns the raw datagrams when `keepRaw`.
    @discardableResult
    /// With `onSocket`, sockets are handed over as they are decoded instead of
    /// kept (an interrupted dump then may hand some twice: callers dedupe).
    public func dump(family: UInt8, protocolNumber: UInt32, into result: inout SockDiagDecoder.Result,
                     keepRaw: Bool = false, attempts: Int = 3,
                     keep: ((InetDiagMessage, _ ulpIsMPTCP: Bool?) -> Bool)? = nil,
                     onSocket: ((DiagSocket) -> Void)? = nil) throws(DumpError) -> [[UInt8]] {
        let infoKind: DiagSocket.InfoKind = protocolNumber == SockDiagRequest.protocolMPTCP ? .mptcp : .tcp
        let start = result.sockets.count, errors = result.decodeErrors.count
        for _ in 0..<max(1, attempts) {
            result.sockets.removeSubrange(start...)
            result.decodeErrors.removeSubrange(errors...)
            result.interrupted = false
            result.kernelError = nil
            let sequence = socket.sequence()
            let request = SockDiagRequest.dump(family: family, protocolNumber: protocolNumber, sequence: sequence)
            var datagrams: [[UInt8]] = []
            do throws(SystemCallError) {
                try socket.dump(request, sequence: sequence) { view in
                    if keepRaw { datagrams.append(view.bytes) }
                    SockDiagDecoder.decode(view, infoKind: infoKind, into: &result, keep: keep, onSocket: onSocket)
                }
            } catch {
                throw .system(error)
            }
            if let code = result.kernelError {
                throw .kernel(family: family, protocolNumber: protocolNumber, errno: code)
            }
            if result.interrupted { continue }
            return datagrams
        }
        throw .interrupted(attempts: attempts)
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
