import Logging
import MPTCPCore
import MPTCPKernel
import Synchronization

/// Collector `connections`: MPTCP connections, subflows and listeners through
/// NETLINK_SOCK_DIAG (libmnl). Bounded cardinality by default; per-connection
/// series are opt-in and capped.
public final class ConnectionsCollector: Collector {
    public let name = "connections"
    private let options: ConnectionFamilies.Options
    private let logger: Logger?
    private struct State {
        var reader: ConnectionReader?
        var bytes = InterfaceByteCounters()
        var loggedMissing: Set<ConnectionSnapshot.MissingField> = []
    }
    private let state = Mutex(State())
    private let openReader: @Sendable () throws -> ConnectionReader

    /// - Parameter openReader: opens the reader (a sock_diag socket); again
    ///   after a failure. Tests give one over a ``ScriptedNetlinkTransport``.
    public init(options: ConnectionFamilies.Options = .init(), logger: Logger? = nil,
                openReader: @escaping @Sendable () throws -> ConnectionReader = { try ConnectionReader() }) {
        self.options = options
        self.logger = logger
        self.openReader = openReader
    }

    public func collect() throws -> [MetricFamily] {
        try state.withLock { state in
            // One netlink socket, reused across scrapes; reopened after a failure.
            let reader: ConnectionReader
            if let existing = state.reader {
                reader = existing
            } else {
                do { reader = try openReader() } catch { throw CollectorError("\(error)") }
                state.reader = reader
            }
            // The byte counters and the subflow tallies are kept as the join
            // attaches each subflow, while the kernel fills the next datagram.
            var bookkeeping = SubflowBookkeeping()
            swap(&bookkeeping.bytes, &state.bytes)     // moved, not copied: no copy of its table
            defer { swap(&bookkeeping.bytes, &state.bytes) }
            let result: (snapshot: ConnectionSnapshot, raw: ConnectionReader.RawDumps?, decodeErrors: [NetlinkDecodeError])
            do {
                result = try reader.read(observer: &bookkeeping)
            } catch {
                state.reader = nil
                throw CollectorError("\(error)")
            }
            let missing = result.snapshot.missingFields
            if missing != state.loggedMissing {
                if !missing.isEmpty {
                    logger?.warning("the kernel hides some MPTCP connection fields from this user; run with CAP_NET_ADMIN to see them",
                                    metadata: ["missing": "\(missing.sorted().map(\.rawValue).joined(separator: ","))"])
                }
                state.loggedMissing = missing
            }
            let totals = bookkeeping.bytes.finishUpdate()
            return ConnectionFamilies.families(
                result.snapshot, interfaceBytes: totals, decodeErrors: result.decodeErrors.count, options: options,
                tally: bookkeeping.tally)
        }
    }
}
