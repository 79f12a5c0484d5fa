import MPTCPWire
import MPTCPModel
import MPTCPKernel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Samples the kernel for a report or a snapshot archive (``HostSnapshot``):
/// the counters twice, `interval` seconds apart, path-manager events in
/// between (as the supervisor allows), then connections, endpoints, limits
/// and sysctls as raw kernel bytes, and route lookups, all through the
/// namespace's ``NamespaceReader``. What cannot be read is listed, never
/// hidden: the report puts it first.
public enum ReportSampler {
    /// - Parameters:
    ///   - reader: the namespace's reader.
    ///   - procfs: where the surveyed namespace's sysctls are (the event rule).
    ///   - ledger: follow the connections that end during the interval
    ///     (the kernel's TCP destroy notifications and the events).
    public static func sample(reader: NamespaceReader, procfs: String, interval: Double,
                              events: PathManagerEventsSupervisor.Mode, ledger: Bool = true) -> HostSnapshot {
        var errors: [String] = []
        func note(_ error: String) { if !errors.contains(error) { errors.append(error) } }
        func counters() -> HostSnapshot.Sample {
            let time = PathManagerEventListener.now()
            do {
                let files = try reader.counterFiles()
                return HostSnapshot.Sample(time: time, netstat: files.netstat, snmp: files.snmp)
            } catch {
                note("\(error)")
                return HostSnapshot.Sample(time: time, netstat: [], snmp: [])
            }
        }

        // Listens over the interval only as the supervisor allows (auto: not
        // while any namespace of the host uses the userspace path manager).
        let raw = Mutex<[[UInt8]]>([])
        let changes = Mutex<[Bool]>([])
        // The ledger: notifications of subflows the first dump saw or an event named.
        let listener = ledger ? SubflowCloseListener(maximumRate: SubflowCloseListener.defaultMaximumRate) : nil
        let receiving = listener?.isListening == true ? listener : nil
        let supervisor = PathManagerEventsSupervisor(mode: events, procfs: procfs, recheck: 1,
                                                     onDatagram: { datagram, decoded in
                                                         raw.withLock { $0.append(datagram) }
                                                         receiving?.receive(datagram, decoded)
                                                     },
                                                     onChange: { change in changes.withLock { $0.append(change.listening) } })
        let follower = receiving.map { ConnectionsCollector(reader: reader, ledger: $0, lifecycle: .init(keepClosed: 10_000)) }
        _ = try? follower?.readConnections()
        let listenedAtStart = supervisor.listener != nil
        let unavailable = supervisor.reasonNotListening
        let first = counters()
        var remaining = max(0, interval)
        while remaining > 0 {
            let step = min(remaining, 0.2)
            usleep(useconds_t(step * 1_000_000))
            remaining -= step
        }
        let second = counters()
        // The notifications of the last closes arrive from a kernel work queue: a moment for them.
        var closed: [ClosedConnection]?
        if let follower {
            usleep(200_000)
            _ = try? follower.readConnections()
            closed = follower.recentlyClosed()
        }
        listener?.stop()
        let listenedThroughout = changes.withLock { $0 == [true] }
        let reasonAtEnd = supervisor.reasonNotListening ?? "a namespace switched to the userspace path manager"
        supervisor.stop()

        var sockDiag: [String: [[UInt8]]] = [:]
        var remotes: [IPAddress] = []
        do {
            let result = try reader.connections(keepRaw: true)
            var seen = Set<IPAddress>()
            remotes = result.snapshot.connections.map(\.remote).filter { seen.insert($0).inserted }
            for dump in (result.raw?.mptcp ?? []) + (result.raw?.tcp ?? []) {
                let name = (dump.protocolNumber == SockDiagRequest.protocolMPTCP ? "mptcp" : "tcp") + (dump.family == IPAddress.inet ? "-inet" : "-inet6")
                sockDiag[name] = dump.datagrams
            }
        } catch {
            note("connections: \(error)")
        }
        var pathManager: NamespaceReader.PathManagerRead?
        do { pathManager = try reader.pathManager(keepRaw: true) } catch { note("path manager: \(error)") }
        var sysctls: [String: String] = [:]
        do { sysctls = try reader.sysctlFiles() } catch { note("sysctl: \(error)") }
        let interfaces = InterfaceTable.read()
        let routes = RouteLookup.check(endpoints: pathManager?.endpoints ?? [], remotes: remotes, interfaces: interfaces)

        // rp_filter of every interface and `all` (the kernel applies the larger).
        var rpFilter: [String: Int] = [:]
        for name in Set(interfaces.namesByIndex.values).union(["all"]) where !name.contains("/") && !name.hasPrefix(".") {
            if let text = try? ProcFile.readText(procfs + "/sys/net/ipv4/conf/\(name)/rp_filter"),
               let value = Int(text.split(whereSeparator: \.isWhitespace).first ?? "") { rpFilter[name] = value }
        }

        let host = HostIdentity.read()
        var snapshot = HostSnapshot(
            hostname: host.hostname, kernel: host.kernel, first: first, second: second,
            sockDiag: sockDiag, interfaces: interfaces, endpointsRaw: pathManager?.endpointsRaw, limitsRaw: pathManager?.limitsRaw,
            sysctlFiles: sysctls, eventsRaw: listenedAtStart ? raw.withLock { $0 } : nil,
            eventsUnavailableReason: listenedAtStart ? (listenedThroughout ? nil : "listening stopped during the interval: " + reasonAtEnd)
                                                     : unavailable,
            routeChecks: routes, collectionErrors: errors)
        snapshot.rpFilter = rpFilter
        snapshot.closedConnections = closed
        if closed == nil {
            snapshot.ledgerUnavailableReason = !ledger ? "not followed (--no-ledger)"
                : listener.map { if case let .unavailable(reason) = $0.state { return reason } else { return "not receiving" } } ?? "not receiving"
        }
        return snapshot
    }
}
