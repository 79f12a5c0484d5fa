import MPTCPWire
import Logging
import MPTCPModel
import MPTCPKernel
import Synchronization

/// Collector `connections`: MPTCP connections, subflows and listeners through
/// NETLINK_SOCK_DIAG (libmnl). Bounded cardinality by default; per-connection
/// series are opt-in and capped.
public final class ConnectionsCollector: Collector {
    public let name = "connections"
    private let options: ConnectionFamilies.Options
    private let logger: Logger?
    private let reader: NamespaceReader
    /// The path-manager events kept (own namespace only), for the verdicts.
    private let recentEvents: (@Sendable () -> [PathManagerEvent]?)?
    private struct State {
        var bytes = InterfaceByteCounters()
        var loggedMissing: Set<ConnectionSnapshot.MissingField> = []
    }
    private let state = Mutex(State())

    public init(reader: NamespaceReader, options: ConnectionFamilies.Options = .init(), logger: Logger? = nil,
                recentEvents: (@Sendable () -> [PathManagerEvent]?)? = nil) {
        self.reader = reader
        self.recentEvents = recentEvents
        self.options = options
        self.logger = logger
    }

    /// - Parameter openReader: opens the sock_diag socket; again after a
    ///   failure. Tests give one over a scripted transport.
    public convenience init(options: ConnectionFamilies.Options = .init(), logger: Logger? = nil,
                            openReader: @escaping @Sendable () throws -> ConnectionReader = { try ConnectionReader() }) {
        self.init(reader: NamespaceReader(openConnections: openReader), options: options, logger: logger)
    }

    public func collect() throws -> [MetricFamily] {
        try state.withLock { state in
            // The byte counters and the subflow tallies are kept as the join
            // attaches each subflow, while the kernel fills the next datagram.
            var bookkeeping = SubflowBookkeeping()
            swap(&bookkeeping.bytes, &state.bytes)     // moved, not copied: no copy of its table
            defer { swap(&bookkeeping.bytes, &state.bytes) }
            let result: NamespaceReader.ConnectionsRead
            do {
                result = try reader.connections(observer: &bookkeeping)
            } catch {
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
                tally: bookkeeping.tally) + (verdicts(result.snapshot).map(ConnectionFamilies.verdictFamilies) ?? [])
        }
    }

    private static let mptcpOnly = NetstatParser.Selection(["MPTcpExt": nil])

    /// The connections' verdicts from this read and what the path-manager
    /// and sysctl collectors read last (nothing is read again). Counters are
    /// parsed only when a connection fell back (they name the stage). nil
    /// until the sysctl collector has read once (the first scrape may run
    /// before it): no verdict is better than one made without the configuration.
    private func verdicts(_ snapshot: ConnectionSnapshot) -> Verdicts.Tally? {
        let latest = reader.latest
        guard latest.sysctls != nil else { return nil }
        var table = NetstatTable()
        if snapshot.connections.contains(where: \.isFallback), let netstat = latest.netstat {
            table = NetstatParser.parse(netstat, selecting: Self.mptcpOnly)
        }
        return Verdicts.tally(.live(netstat: table, sysctls: latest.sysctls, endpoints: latest.pathManager?.endpoints,
                                    limits: latest.pathManager?.limits, connections: snapshot, events: recentEvents?()))
    }
}
