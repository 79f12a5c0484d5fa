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
    /// The subflow ledger's source: destroy notifications and events queued
    /// between scrapes (nil: the ledger is turned off, or not opened yet).
    private let ledgerBox: Mutex<SubflowCloseListener?>
    private var ledger: SubflowCloseListener? { ledgerBox.withLock { $0 } }
    /// Opens the listener at the first reading, on the thread that reads (for
    /// a watched namespace, one that entered it: the subscription is made in
    /// the namespace of the thread that opens the socket).
    private let openLedger: (@Sendable () -> SubflowCloseListener?)?
    private let clock: @Sendable () -> Double
    private struct State {
        var bytes = InterfaceByteCounters()
        var lifecycle: ConnectionLifecycle
        var loggedMissing: Set<ConnectionSnapshot.MissingField> = []
        var ledgerOpened = false
        /// While the listener is paused: the namespace's TCP opens at the last
        /// reading, to see when the rate of closes is back within budget.
        var pausedOpens: (time: Double, opens: UInt64)?
    }
    private let state: Mutex<State>

    /// - Parameters:
    ///   - ledger: a listener already receiving in this namespace.
    ///   - openLedger: or how to open one at the first reading.
    public init(reader: NamespaceReader, options: ConnectionFamilies.Options = .init(), logger: Logger? = nil,
                recentEvents: (@Sendable () -> [PathManagerEvent]?)? = nil,
                ledger: SubflowCloseListener? = nil, openLedger: (@Sendable () -> SubflowCloseListener?)? = nil,
                lifecycle: ConnectionLifecycle.Options = .init(),
                clock: @escaping @Sendable () -> Double = PathManagerEventListener.now) {
        self.reader = reader
        self.recentEvents = recentEvents
        self.options = options
        self.logger = logger
        ledgerBox = Mutex(ledger)
        self.openLedger = openLedger
        self.clock = clock
        state = Mutex(State(lifecycle: ConnectionLifecycle(options: lifecycle), ledgerOpened: ledger != nil))
    }

    /// Leaves the notification groups: the namespace is not held by this
    /// exporter once its collector is dropped (the receiving thread ends at
    /// its next wake, within 30 s, and closes the socket).
    deinit { ledgerBox.withLock { $0?.stop() } }

    /// Whether the kernel's destroy notifications are received (nil: the ledger is off).
    public var ledgerAvailable: Bool? { ledger.map(\.isListening) }

    /// The connections that ended last, oldest first (the live views and the report).
    public func recentlyClosed() -> [ClosedConnection] {
        state.withLock { $0.lifecycle.recentlyClosed }
    }

    /// - Parameter openReader: opens the sock_diag socket; again after a
    ///   failure. Tests give one over a scripted transport.
    public convenience init(options: ConnectionFamilies.Options = .init(), logger: Logger? = nil,
                            openReader: @escaping @Sendable () throws -> ConnectionReader = { try ConnectionReader() }) {
        self.init(reader: NamespaceReader(openConnections: openReader), options: options, logger: logger)
    }

    public func collect() throws -> [MetricFamily] {
        let read = try update(families: true)
        return ConnectionFamilies.families(
            read.snapshot, interfaceBytes: read.totals, decodeErrors: read.decodeErrors, options: options,
            tally: read.tally) + (verdicts(read.snapshot).map(ConnectionFamilies.verdictFamilies) ?? [])
            + read.ledger
    }

    /// One reading of the connections with the ledger brought up to date:
    /// what `/metrics` serves, and what `/api/v1/snapshot` shows (so both
    /// views advance the same ledger, whichever is asked).
    public func readConnections() throws -> ConnectionSnapshot {
        try update(families: false).snapshot
    }

    private struct Update {
        var snapshot: ConnectionSnapshot
        var totals: [String: InterfaceByteCounters.Bytes]
        var tally: ConnectionFamilies.SubflowTally
        var decodeErrors: Int
        var ledger: [MetricFamily]
    }

    /// - Parameter families: make the ledger's families (for `/metrics`; a snapshot read needs none).
    private func update(families: Bool) throws -> Update {
        try state.withLock { state in
            if !state.ledgerOpened {
                state.ledgerOpened = true
                let opened = openLedger?()
                ledgerBox.withLock { $0 = opened }
            }
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
            let reception = settleLedger(result.snapshot, bytes: &bookkeeping.bytes, lifecycle: &state.lifecycle,
                                         pausedOpens: &state.pausedOpens)
            let totals = bookkeeping.bytes.finishUpdate()
            state.lifecycle.settle(now: clock())
            ledger?.inbox.withLock { inbox in
                inbox.forget(state.lifecycle.finishedTuples)
                inbox.learn(cookies: bookkeeping.bytes.liveCookies)
            }
            return Update(snapshot: result.snapshot, totals: totals, tally: bookkeeping.tally, decodeErrors: result.decodeErrors.count,
                          ledger: families ? LedgerFamilies.families(state.lifecycle, bytes: bookkeeping.bytes, reception: reception) : [])
        }
    }

    /// A paused listener joins again once the namespace opens TCP
    /// connections (ActiveOpens + PassiveOpens of its `snmp`, each one a
    /// socket freed later) at less than half the budget: the half is the
    /// margin that keeps it from flapping.
    private func resumeIfWithinBudget(_ ledger: SubflowCloseListener, _ previous: inout (time: Double, opens: UInt64)?) {
        guard ledger.isPaused, let budget = ledger.maximumRate else {
            previous = nil
            return
        }
        if previous == nil, case let .paused(reason) = ledger.state {
            logger?.warning("TCP destroy notifications paused: bytes count each subflow up to the last scrape that saw it until the rate falls",
                            metadata: ["reason": "\(reason)"])
        }
        // The counters the netstat collector read in this scrape or the last
        // one; read here only when that collector does not run.
        var latest = reader.latest
        if latest.countersReadAt.map({ clock() - $0 > 30 }) ?? true {
            _ = try? reader.counterFiles()
            latest = reader.latest
        }
        guard let snmp = latest.snmp, let now = latest.countersReadAt else { return }
        let table = NetstatParser.parse(snmp, selecting: Self.tcpOnly)
        let opens = (table["Tcp", "ActiveOpens"] ?? 0) &+ (table["Tcp", "PassiveOpens"] ?? 0)
        defer { if previous == nil || now - (previous?.time ?? now) >= 5 { previous = (now, opens) } }
        guard let last = previous, now - last.time >= 5 else { return }
        let rate = Double(opens &- last.opens) / (now - last.time)
        if rate < budget / 2, ledger.resume() {
            logger?.info("TCP destroy notifications resumed", metadata: ["tcp_opens_per_second": "\(Int(rate))"])
            previous = nil
        }
    }

    /// Applies what arrived since the last scrape, after this scrape's dump
    /// was recorded and before subflows gone from it are closed: the events,
    /// then each destroy notification with its final bytes (once: a subflow
    /// this dump saw just before it closed is taken out of the dump's sums).
    private func settleLedger(_ snapshot: ConnectionSnapshot, bytes: inout InterfaceByteCounters,
                              lifecycle: inout ConnectionLifecycle, pausedOpens: inout (time: Double, opens: UInt64)?) -> LedgerFamilies.Reception {
        guard let ledger else {
            lifecycle.observe(snapshot, time: clock())
            return LedgerFamilies.Reception(available: false)
        }
        resumeIfWithinBudget(ledger, &pausedOpens)
        let (drained, reception) = ledger.inbox.withLock { inbox in
            (inbox.drain(), LedgerFamilies.Reception(
                available: ledger.isListening, paused: ledger.isPaused, subflowNotifications: inbox.subflowNotifications,
                otherNotifications: inbox.otherSockets, lost: inbox.lost, malformed: inbox.malformed, overflow: inbox.overflow))
        }
        // Interfaces are read only when something needs naming.
        var table: InterfaceTable?
        func name(_ bound: UInt32, _ tuple: SubflowTuple) -> String? {
            if table == nil { table = InterfaceTable.read() }
            return table?.name(boundIndex: bound, local: tuple.local, remote: tuple.remote)
        }
        lifecycle.apply(drained.events, interface: name)
        lifecycle.observe(snapshot, time: clock())
        for close in drained.closes {
            let interface = bytes.interface(ofCookie: close.cookie) ?? name(close.boundInterface, close.tuple) ?? "unknown"
            lifecycle.destroyed(close, interface: interface)
            bytes.close(close, interface: interface)
        }
        return reception
    }

    private static let mptcpOnly = NetstatParser.Selection(["MPTcpExt": nil])
    private static let tcpOnly = NetstatParser.Selection(["Tcp": nil])

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
