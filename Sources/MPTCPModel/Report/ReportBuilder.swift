import MPTCPWire
/// Builds a ``Report`` from a ``HostSnapshot``. Pure: the same snapshot gives
/// the same report, live or from an archive on another machine.
public enum ReportBuilder {
    public static func build(_ snapshot: HostSnapshot) -> Report {
        let first = snapshot.first.table, second = snapshot.second.table
        let decoded = snapshot.decode()
        let sysctls = decoded.sysctls
        let connections = decoded.connections
        let endpoints = decoded.endpoints
        let limits = decoded.limits
        let events = decoded.events

        var sysctlTexts: [String: String] = [:]
        for (name, value) in sysctls.numbers { sysctlTexts[name] = String(value) }
        for (name, value) in sysctls.words { sysctlTexts[name] = value }
        let host = Report.Host(hostname: snapshot.hostname, kernel: snapshot.kernel, mptcpEnabled: sysctls.enabled,
                               pathManager: sysctls.pathManager, scheduler: sysctls.scheduler, sysctls: sysctlTexts)

        let pathManager = Report.PathManager(
            available: endpoints != nil,
            endpoints: (endpoints ?? []).map { endpoint in
                Report.EndpointEntry(
                    id: Int(endpoint.id), address: endpoint.address.map { "\($0)" } ?? "",
                    port: endpoint.port == 0 ? nil : Int(endpoint.port),
                    interface: endpoint.interfaceName(snapshot.interfaces.namesByIndex),
                    flags: endpoint.flagNames)
            },
            limits: limits.map { Report.Limits(subflows: $0.subflows.map(Int.init), addAddrAccepted: $0.addAddrAccepted.map(Int.init)) },
            routeChecks: snapshot.routeChecks)
        var input = FindingRules.Input(
            first: first, second: second, sysctls: sysctls, endpoints: endpoints, limits: limits,
            connections: connections, routeChecks: snapshot.routeChecks, interval: snapshot.interval,
            collectionErrors: snapshot.collectionErrors + decoded.errors, events: events)
        input.rpFilter = snapshot.rpFilter
        input.interfaces = snapshot.interfaces
        input.kernel = snapshot.kernel
        let verdicts = Verdicts.evaluate(input)
        let connectionSummary = summarize(connections, verdicts: verdicts)
        let (diagrams, tcp) = counters(first: first, second: second)
        var byType: [String: Int] = [:]
        for event in events ?? [] { byType[event.kind.name, default: 0] += 1 }
        let eventSummary = Report.Events(available: events != nil, unavailableReason: snapshot.eventsUnavailableReason,
                                         byType: byType, list: (events ?? []).map(\.summary))

        let findings = FindingRules.evaluate(input, verdicts: verdicts)

        var report = Report(host: host, intervalSeconds: snapshot.interval, sampledAt: [snapshot.first.time, snapshot.second.time],
                            pathManager: pathManager, connections: connectionSummary, diagrams: diagrams, tcp: tcp,
                            events: eventSummary, findings: findings, collectionErrors: snapshot.collectionErrors + decoded.errors)
        report.ended.available = snapshot.closedConnections != nil
        report.ended.unavailableReason = snapshot.closedConnections == nil ? snapshot.ledgerUnavailableReason ?? "not followed" : nil
        report.ended.list = (snapshot.closedConnections ?? []).sorted { $0.endedAt < $1.endedAt }
        return report
    }

    /// Connections: counts, subflows per connection, traffic per interface, the list.
    static func summarize(_ connections: ConnectionSnapshot, verdicts: [String: Report.Verdict] = [:]) -> Report.Connections {
        var bySubflows: [String: Int] = [:]
        var interfaces: [String: Report.InterfaceEntry] = [:]
        for connection in connections.connections {
            bySubflows[String(connection.subflows.count), default: 0] += 1
            for subflow in connection.subflows {
                let name = subflow.interface ?? "unknown"
                var entry = interfaces[name] ?? Report.InterfaceEntry(interface: name, subflows: 0, bytesAcked: 0, bytesReceived: 0, share: nil)
                entry.subflows += 1
                entry.bytesAcked &+= subflow.tcp?.bytesAcked ?? 0
                entry.bytesReceived &+= subflow.tcp?.bytesReceived ?? 0
                interfaces[name] = entry
            }
        }
        let totalBytes = interfaces.values.reduce(UInt64(0)) { $0 &+ $1.bytesAcked &+ $1.bytesReceived }
        let byInterface = interfaces.values.sorted { $0.interface < $1.interface }.map { entry -> Report.InterfaceEntry in
            var entry = entry
            entry.share = totalBytes > 0 ? Double(entry.bytesAcked &+ entry.bytesReceived) / Double(totalBytes) : nil
            return entry
        }
        let fallback = connections.connections.filter(\.isFallback).count
        let connectionList = connections.connections.sorted { ($0.token ?? 0) < ($1.token ?? 0) }.map { connection in
            Report.ConnectionEntry(
                token: connection.tokenHex, local: connection.localEndpoint, remote: connection.remoteEndpoint,
                state: connection.connectionState, fallback: connection.isFallback,
                subflows: connection.subflows.map { subflow in
                    Report.SubflowEntry(local: subflow.localEndpoint, remote: subflow.remoteEndpoint, interface: subflow.interface,
                                        role: subflow.role, priority: subflow.priority,
                                        bytesAcked: subflow.tcp?.bytesAcked, bytesReceived: subflow.tcp?.bytesReceived)
                },
                verdict: verdicts[connection.tokenHex])
        }
        let connectionSummary = Report.Connections(
            count: connections.connections.count, fallback: fallback,
            fallbackShare: connections.connections.isEmpty ? nil : Double(fallback) / Double(connections.connections.count),
            subflows: connections.subflowCount, listeners: connections.listeners.count,
            bySubflowCount: bySubflows, byInterface: byInterface, list: connectionList)
        return connectionSummary
    }

    /// Every Case diagram's counters (value and change over the interval), and the TCP counters beside them.
    static func counters(first: NetstatTable, second: NetstatTable) -> (diagrams: [Report.Diagram], tcp: [Report.Counter]) {
        func counter(_ section: String, _ name: String, role: CounterRole?, lane: String?) -> Report.Counter? {
            guard let value = second[section, name] else { return nil }
            let before = first[section, name]
            let change: UInt64? = before.map { value >= $0 ? value - $0 : nil } ?? value
            return Report.Counter(name: name, role: role, lane: lane, value: value, change: change)
        }
        var diagrams: [Report.Diagram] = []
        let present = second.section("MPTcpExt")?.names ?? []
        for diagram in CounterCatalog.diagrams {
            let names: [String]
            if diagram.id == CounterCatalog.otherDiagramID {
                names = present.filter { CounterCatalog.known(section: "MPTcpExt", name: $0) == nil }
            } else {
                names = CounterCatalog.mptcp.filter { $0.diagram == diagram.id }.map(\.name)
            }
            let counters = names.compactMap { name -> Report.Counter? in
                let descriptor = CounterCatalog.descriptor(mptcpCounter: name)
                let lane = diagram.lanes.indices.contains(descriptor.lane) ? diagram.lanes[descriptor.lane].title : nil
                return counter("MPTcpExt", name, role: descriptor.role, lane: lane)
            }
            if !counters.isEmpty { diagrams.append(Report.Diagram(id: diagram.id, title: diagram.title, counters: counters)) }
        }
        let tcp = CounterCatalog.tcp.compactMap { counter($0.section, $0.name, role: nil, lane: nil).map { var c = $0; c.name = $0.name; return c } }
        return (diagrams, tcp)
    }
}
