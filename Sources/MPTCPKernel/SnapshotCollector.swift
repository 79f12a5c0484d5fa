import MPTCPCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Collects a ``HostSnapshot`` from the running kernel: counters twice,
/// `interval` seconds apart, path-manager events in between (when the caller
/// allows), then connections, endpoints, limits, sysctls and route lookups.
public enum SnapshotCollector {
    /// Whether to listen to path-manager events over the interval (``PathManagerEventsSupervisor``).
    public typealias EventsPolicy = PathManagerEventsSupervisor.Mode

    /// - Parameter netDirectory: where netstat and snmp are (`<procfs>/net` by default).
    public static func collect(procfs: String, netDirectory: String? = nil, interval: Double, events: EventsPolicy) -> HostSnapshot {
        let net = netDirectory ?? procfs + "/net"
        var errors: [String] = []
        func sample() -> HostSnapshot.Sample {
            let time = PathManagerEventListener.now()
            var netstat: [UInt8] = [], snmp: [UInt8] = []
            do { netstat = try ProcFile.read(net + "/netstat") } catch { errors.append("\(error)") }
            do { snmp = try ProcFile.read(net + "/snmp") } catch { errors.append("\(error)") }
            return HostSnapshot.Sample(time: time, netstat: netstat, snmp: snmp)
        }

        // Listens over the interval only as the supervisor allows (auto: not
        // while any namespace of the host uses the userspace path manager).
        let raw = Mutex<[[UInt8]]>([])
        let changes = Mutex<[Bool]>([])
        let supervisor = PathManagerEventsSupervisor(mode: events, procfs: procfs, recheck: 1,
                                                     onDatagram: { datagram, _ in raw.withLock { $0.append(datagram) } },
                                                     onChange: { change in changes.withLock { $0.append(change.listening) } })
        let listenedAtStart = supervisor.listener != nil
        let unavailable = supervisor.reasonNotListening
        let first = sample()
        var remaining = max(0, interval)
        while remaining > 0 {
            let step = min(remaining, 0.2)
            usleep(useconds_t(step * 1_000_000))
            remaining -= step
        }
        let second = sample()
        let listenedThroughout = changes.withLock { $0 == [true] }
        let reasonAtEnd = supervisor.reasonNotListening ?? "a namespace switched to the userspace path manager"
        supervisor.stop()

        var sockDiag: [String: [[UInt8]]] = [:]
        do {
            let result = try ConnectionReader().read(keepRaw: true)
            for dump in (result.raw?.mptcp ?? []) + (result.raw?.tcp ?? []) {
                let name = (dump.protocolNumber == SockDiagRequest.protocolMPTCP ? "mptcp" : "tcp") + (dump.family == IPAddress.inet ? "-inet" : "-inet6")
                sockDiag[name] = dump.datagrams
            }
        } catch {
            errors.append("connections: \(error)")
        }
        var endpointsRaw: [[UInt8]]?, limitsRaw: [[UInt8]]?
        var endpoints: [Endpoint] = []
        do {
            let client = try PathManagerClient()
            let answer = try client.endpoints(keepRaw: true)
            endpoints = answer.endpoints
            endpointsRaw = answer.raw
            limitsRaw = try client.limits(keepRaw: true).raw
        } catch {
            errors.append("path manager: \(error)")
        }
        var sysctls: [String: String] = [:]
        if let names = try? Directory.list(procfs + "/sys/net/mptcp") {
            for name in names { if let text = try? ProcFile.readText(procfs + "/sys/net/mptcp/" + name) { sysctls[name] = text } }
        } else {
            errors.append("sysctl: \(procfs)/sys/net/mptcp unreadable")
        }
        let interfaces = InterfaceTable.read()
        var seen = Set<IPAddress>()
        let remotes = ConnectionJoiner.join(raw: sockDiag, interfaces: interfaces).connections.map(\.remote).filter { seen.insert($0).inserted }
        let routes = RouteLookup.check(endpoints: endpoints, remotes: remotes, interfaces: interfaces)

        let host = HostIdentity.read()
        return HostSnapshot(
            hostname: host.hostname, kernel: host.kernel, first: first, second: second,
            sockDiag: sockDiag, interfaces: interfaces, endpointsRaw: endpointsRaw, limitsRaw: limitsRaw,
            sysctlFiles: sysctls, eventsRaw: listenedAtStart ? raw.withLock { $0 } : nil,
            eventsUnavailableReason: listenedAtStart ? (listenedThroughout ? nil : "listening stopped during the interval: " + reasonAtEnd)
                                                     : unavailable,
            routeChecks: routes, collectionErrors: errors)
    }
}

/// Route lookups through rtnetlink (`RTM_GETROUTE`): a question to the
/// routing tables, nothing is sent on the network.
public enum RouteLookup {
    /// For each endpoint with the subflow flag: a lookup towards up to 8
    /// remote addresses of current connections of its family, and towards a
    /// documentation address (192.0.2.1, 2001:db8::1) standing for "anywhere".
    public static func check(endpoints: [Endpoint], remotes: [IPAddress], interfaces: InterfaceTable) -> [RouteCheck] {
        guard let socket = try? NetlinkSocket(protocol: 0 /* NETLINK_ROUTE */) else { return [] }
        var checks: [RouteCheck] = []
        for endpoint in endpoints where endpoint.has("subflow") {
            guard let source = endpoint.address else { continue }
            let probe = source.family == IPAddress.inet ? IPAddress(parsing: "192.0.2.1") : IPAddress(parsing: "2001:db8::1")
            let destinations = Array(remotes.filter { $0.family == source.family }.prefix(8)) + [probe].compactMap { $0 }
            for destination in destinations {
                let sequence = socket.sequence()
                var index: UInt32?
                var errorCode: Int32?
                do {
                    try socket.dump(RouteRequest.get(destination: destination, source: source, sequence: sequence), sequence: sequence) { view in
                        _ = NetlinkMessages.scan(view) { message in
                            if let code = message.errorCode, code != 0 { errorCode = code }
                            if let oif = RouteRequest.outputInterface(message) { index = oif }
                        }
                    }
                } catch {
                    errorCode = error.code
                }
                checks.append(RouteCheck(
                    endpointID: endpoint.id, source: "\(source)", destination: "\(destination)",
                    interface: index.map { InterfaceTable.name(of: $0, in: interfaces.namesByIndex) },
                    error: index == nil ? ErrnoNames.name(errorCode ?? 0) : nil))
            }
        }
        return checks
    }
}

/// The host name and kernel release (`uname(2)`).
public enum HostIdentity {
    public static func read() -> (hostname: String, kernel: String) {
        var host = utsname()
        uname(&host)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return (field(host.nodename), field(host.release))
    }
}
