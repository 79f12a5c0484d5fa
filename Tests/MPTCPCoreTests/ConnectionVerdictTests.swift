@testable import MPTCPWire
@testable import MPTCPModel
import Testing

/// Every verdict on the captures of three kernel shapes (6.1: 48-byte
/// mptcp_info without subflows_total; 6.12 and 6.18: 96 bytes), with the
/// configuration, events and route lookups that make each cause.
@Suite("Connection verdicts")
struct ConnectionVerdictTests {
    static let clientEndpoints = [
        Endpoint(id: 1, address: IPAddress(parsing: "10.77.2.1"), interfaceIndex: 3, flags: 2),
        Endpoint(id: 2, address: IPAddress(parsing: "fd00:77:2::1"), interfaceIndex: 3, flags: 2),
    ]

    /// The client capture of `kernel`, with the join subflows removed when
    /// `singlePath` (what a connection looks like when its second path never
    /// came or went away), and the given configuration around it.
    static func input(_ kernel: String, side: String = "cli", singlePath: Bool = false, endpoints: [Endpoint]? = clientEndpoints,
                      limits: PathManagerLimits = PathManagerLimits(subflows: 2, addAddrAccepted: 2),
                      sysctls: [String: String] = [:], events: [PathManagerEvent]? = [], routeChecks: [RouteCheck] = [],
                      moved: [String: UInt64] = [:]) throws -> FindingRules.Input {
        var connections = try KernelCapture.snapshot(kernel, side)
        if singlePath {
            for index in connections.connections.indices {
                connections.connections[index].subflows.removeAll { $0.isJoin == true }
            }
        }
        let netstat = side == "cli" ? "client" : "server"
        let table = NetstatParser.parse(try Fixture.bytes("netstat-\(kernel)-\(netstat)"))
        var second = table
        if let index = second.sections.firstIndex(where: { $0.prefix == "MPTcpExt" }) {
            second.sections[index].counters = second.sections[index].counters.map { ($0.name, $0.value + (moved[$0.name] ?? 0)) }
        }
        var values = MPTCPSysctls()
        for (name, text) in ["enabled": "1", "pm_type": "0"].merging(sysctls, uniquingKeysWith: { $1 }) { values.add(name: name, text: text) }
        return FindingRules.Input(first: table, second: second, sysctls: values, endpoints: endpoints, limits: limits,
                                  connections: connections, routeChecks: routeChecks, interval: 5, events: events)
    }

    static func verdicts(_ input: FindingRules.Input) -> [Report.Verdict] {
        Verdicts.evaluate(input).sorted { $0.key < $1.key }.map(\.value)
    }

    static func warnings(_ input: FindingRules.Input) -> [String] {
        FindingRules.evaluate(input).filter { $0.severity != .info }.map(\.id)
    }

    @Test("as captured: three multipath connections and a fallback, no warning", arguments: KernelCapture.kernels)
    func captured(kernel: String) throws {
        let input = try Self.input(kernel)
        let kinds = Self.verdicts(input).map(\.kind)
        #expect(kinds.filter { $0 == .multipath }.count == 3, "\(kernel)")
        #expect(kinds.filter { $0 == .fallback }.count == 1, "\(kernel)")
        // The 6.18 counters were captured in another run than its sockets: no fallback counter moved there.
        #expect(Self.verdicts(input).first { $0.kind == .fallback }?.reason == (kernel == "6.18" ? "unknown_stage" : "syn_ack_without_mp_capable"), "\(kernel)")
        #expect(Self.warnings(input) == [], "\(kernel)")
    }

    @Test("no endpoint of any kind: every MPTCP connection names that cause, and nothing else warns", arguments: KernelCapture.kernels)
    func noEndpoint(kernel: String) throws {
        let input = try Self.input(kernel, singlePath: true, endpoints: [])
        let single = Self.verdicts(input).filter { $0.kind == .singlePath }
        // On 6.12 and 6.18 mptcp_info says the joins existed (subflows_total 2): they were lost, not missing.
        if kernel == "6.1" {
            #expect(single.map(\.reason) == ["no_subflow_endpoint", "no_subflow_endpoint", "no_subflow_endpoint"])
            #expect(Self.warnings(input) == ["path_no_subflow_endpoint"])
        } else {
            #expect(single.map(\.reason) == ["subflows_closed", "subflows_closed", "subflows_closed"], "\(kernel)")
            #expect(Self.warnings(input) == ["path_subflows_closed"], "\(kernel)")
        }
    }

    @Test("the subflow limit at 0", arguments: ["6.1"])
    func limitZero(kernel: String) throws {
        let input = try Self.input(kernel, singlePath: true, limits: PathManagerLimits(subflows: 0, addAddrAccepted: 0))
        #expect(Set(Self.verdicts(input).filter { $0.kind == .singlePath }.map(\.reason)) == ["subflow_limit_zero"])
        #expect(Self.warnings(input) == ["path_subflow_limit_zero"], "the host-level limits rule is not said twice")
    }

    @Test("the userspace path manager with nothing driving it, from pm_type (before 6.15) or path_manager", arguments: [
        ("6.1", ["pm_type": "1"]), ("6.18", ["path_manager": "userspace"]),
    ])
    func userspaceIdle(kernel: String, sysctls: [String: String]) throws {
        // 6.18's mptcp_info would say the joins were lost: take a fresh connection (subflows_total 1).
        var input = try Self.input(kernel, singlePath: true, sysctls: sysctls)
        for index in input.connections.connections.indices { input.connections.connections[index].info?.storage.subflowsTotal = 1 }
        #expect(Set(Self.verdicts(input).filter { $0.kind == .singlePath }.map(\.reason)) == ["userspace_pm_idle"])
        #expect(Self.warnings(input) == ["path_userspace_pm_idle"])
    }

    @Test("endpoints removed after joins: on 6.1 the events say it, on 6.12 mptcp_info alone does", arguments: ["6.1", "6.12"])
    func subflowsClosed(kernel: String) throws {
        let connection = try #require(try KernelCapture.snapshot(kernel, "cli").connections.first { $0.subflows.count == 2 && $0.family == IPAddress.inet })
        let join = try #require(connection.subflows.first { $0.isJoin == true })
        func event(_ kind: PathManagerEvent.Kind, error: UInt8? = nil) -> PathManagerEvent {
            var event = PathManagerEvent(kind: kind)
            event.token = connection.token
            event.source = join.local
            event.destination = join.remote
            event.sourcePort = join.localPort
            event.destinationPort = join.remotePort
            event.error = error
            return event
        }
        var reset = event(.subflowClosed, error: 104)
        reset.resetReason = 5
        let events = kernel == "6.1" ? [event(.subflowEstablished), reset] : []
        let input = try Self.input(kernel, singlePath: true, endpoints: [], events: events)
        let verdict = try #require(Verdicts.evaluate(input)[connection.tokenHex])
        #expect(verdict.reason == "subflows_closed")
        #expect(verdict.explanation.contains("does not retry"))
        if kernel == "6.1" {
            #expect(verdict.evidence.contains { $0.value.hasPrefix("ECONNRESET, MP_RST ") }, "\(verdict.evidence)")
        }
    }

    @Test("a peer that refuses joins to an address it announced: ECONNREFUSED, the address named", arguments: KernelCapture.kernels)
    func joinsRefused(kernel: String) throws {
        let connection = try #require(try KernelCapture.snapshot(kernel, "cli").connections.first { $0.subflows.count == 2 && $0.family == IPAddress.inet })
        var refused = PathManagerEvent(kind: .subflowClosed)
        refused.token = connection.token
        refused.source = IPAddress(parsing: "10.77.1.1")
        refused.destination = IPAddress(parsing: "10.77.2.2")
        refused.sourcePort = 40000
        refused.destinationPort = 5201
        refused.error = 111
        let input = try Self.input(kernel, events: [refused], moved: ["MPJoinSynTx": 2, "MPJoinSynAckRx": 1])
        let verdict = try #require(Verdicts.evaluate(input)[connection.tokenHex])
        #expect(verdict.kind == .multipath && verdict.reason == "joins_refused" && verdict.object == "10.77.2.2")
        #expect(verdict.evidence.contains { $0.value == "ECONNREFUSED" })
        #expect(Self.warnings(input) == ["path_joins_refused"])
    }

    @Test("a subflow endpoint without a route to the peer is named", arguments: ["6.1", "6.18"])
    func noRoute(kernel: String) throws {
        var input = try Self.input(kernel, singlePath: true)
        for index in input.connections.connections.indices { input.connections.connections[index].info?.storage.subflowsTotal = 1 }
        input.routeChecks = [RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "10.77.1.2", interface: nil, error: "ENETUNREACH", boundDevice: "c2")]
        let reasons = Self.verdicts(input).filter { $0.kind == .singlePath }.map { "\($0.reason) \($0.object ?? "")" }
        #expect(reasons.contains("endpoint_no_route id 1 10.77.2.1"))
        #expect(!Self.warnings(input).contains("endpoint_without_route"), "said once, by the verdict")
    }

    @Test("a join waiting on a device with no route to the peer: the kernel's on-link guess is named", arguments: ["6.12", "6.18"])
    func onLinkGuess(kernel: String) throws {
        var input = try Self.input(kernel)
        input.interfaces = SockDiagFixture.clientInterfaces
        let index = try #require(input.connections.connections.firstIndex { $0.subflows.count == 2 && $0.family == IPAddress.inet })
        let join = try #require(input.connections.connections[index].subflows.firstIndex { $0.isJoin == true })
        input.connections.connections[index].subflows[join].state = 2
        let peer = "\(input.connections.connections[index].subflows[join].remote)"
        input.routeChecks = [
            RouteCheck(endpointID: 1, source: "10.77.2.1", destination: peer, interface: "c1", error: nil),
            RouteCheck(endpointID: 1, source: "10.77.2.1", destination: peer, interface: "c2", error: nil, boundDevice: "c2", assumedOnLink: true),
        ]
        let verdict = try #require(Verdicts.evaluate(input)[input.connections.connections[index].tokenHex])
        #expect(verdict.reason == "endpoint_no_route", "\(verdict)")
        #expect(verdict.evidence.contains { $0.name == "route get \(peer) from 10.77.2.1 oif c2" && $0.value.contains("assumed on the link of c2") })
        // Without a waiting join the guess proves nothing (on a flat link it works).
        input.connections.connections[index].subflows[join].state = 1
        #expect(Verdicts.evaluate(input)[input.connections.connections[index].tokenHex]?.reason != "endpoint_no_route")
    }

    @Test("joins sent and not answered over the interval", arguments: ["6.1", "6.12"])
    func joinsUnanswered(kernel: String) throws {
        var input = try Self.input(kernel, singlePath: true, moved: ["MPJoinSynTx": 3])
        for index in input.connections.connections.indices { input.connections.connections[index].info?.storage.subflowsTotal = 1 }
        let verdicts = Self.verdicts(input).filter { $0.kind == .singlePath }
        if kernel == "6.1" {
            // 6.1 does not count joins sent: the verdict says what it cannot tell, and does not warn.
            #expect(Set(verdicts.map(\.reason)) == ["unexplained"])
            #expect(verdicts.allSatisfy { $0.explanation.contains("no MPJoinSynTx counter") && !$0.needsAction })
        } else {
            #expect(Set(verdicts.map(\.reason)) == ["joins_unanswered"])
        }
    }

    @Test("a backup path standing by and a passive connection whose peer opened nothing: said, never a warning", arguments: KernelCapture.kernels)
    func healthyButSingle(kernel: String) throws {
        var input = try Self.input(kernel)
        for index in input.connections.connections.indices {
            for sub in input.connections.connections[index].subflows.indices where input.connections.connections[index].subflows[sub].isJoin == true {
                input.connections.connections[index].subflows[sub].flags! |= SubflowInfo.backupLocal
            }
        }
        #expect(Self.verdicts(input).filter { $0.kind == .backupStandby }.count == 3, "\(kernel)")
        #expect(Self.warnings(input) == [], "\(kernel)")

        let server = try Self.input(kernel, side: "srv", singlePath: true, endpoints: [])
        #expect(Set(Self.verdicts(server).map(\.kind)) == [.peerDecides], "\(kernel)")
        #expect(Self.warnings(server) == [], "\(kernel)")
    }

    // MARK: Configuration checks

    @Test("strict rp_filter: a pending join on that interface names it; the host rule fires only when routes leave elsewhere",
          arguments: ["6.1", "6.12"])
    func reversePathFilter(kernel: String) throws {
        var input = try Self.input(kernel)
        input.interfaces = SockDiagFixture.clientInterfaces
        input.rpFilter = ["all": 0, "c1": 0, "c2": 1]
        // A join stuck in SYN_SENT on c2.
        let index = try #require(input.connections.connections.firstIndex { $0.subflows.count == 2 && $0.family == IPAddress.inet })
        let join = try #require(input.connections.connections[index].subflows.firstIndex { $0.isJoin == true })
        input.connections.connections[index].subflows[join].state = 2
        let verdict = try #require(Verdicts.evaluate(input)[input.connections.connections[index].tokenHex])
        #expect(verdict.reason == "rp_filter_strict" && verdict.object == "c2")
        #expect(verdict.evidence.contains { $0.name == "net.ipv4.conf.c2.rp_filter" && $0.value == "1" })
        #expect(Self.warnings(input) == ["path_rp_filter_strict"], "the host rule does not say it again")

        // No pending join: the host rule, only with evidence that replies come back elsewhere.
        var host = try Self.input(kernel)
        host.interfaces = SockDiagFixture.clientInterfaces
        host.rpFilter = ["all": 1, "c2": 0]
        #expect(Self.warnings(host) == [], "policy routing sends the endpoint's traffic through c2: strict is harmless")
        host.routeChecks = [RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "10.77.1.2", interface: "c1", error: nil)]
        let finding = try #require(FindingRules.evaluate(host).first { $0.id == "rp_filter_strict" })
        #expect(finding.severity == .warning)
        #expect(finding.evidence.contains { $0.name == "net.ipv4.conf.all.rp_filter" && $0.value == "1" })
        #expect(finding.evidence.contains { $0.value == "dev c1" })
    }

    @Test("subflow endpoints without a device on a multi-homed host; more endpoints than the limit (information)")
    func endpointChecks() throws {
        var input = try Self.input("6.12", endpoints: [
            Endpoint(id: 1, address: IPAddress(parsing: "10.77.2.1"), flags: 2),
            Endpoint(id: 2, address: IPAddress(parsing: "10.77.3.1"), interfaceIndex: 3, flags: 2),
            Endpoint(id: 3, address: IPAddress(parsing: "10.77.4.1"), interfaceIndex: 3, flags: 2),
        ])
        input.interfaces = SockDiagFixture.clientInterfaces
        let findings = FindingRules.evaluate(input)
        let withoutDev = try #require(findings.first { $0.id == "endpoint_without_dev" })
        #expect(withoutDev.severity == .info && withoutDev.evidence.first?.value == "id 1 10.77.2.1")
        let aboveLimit = try #require(findings.first { $0.id == "endpoints_above_limit" })
        #expect(aboveLimit.evidence.map(\.value) == ["3", "2"])
        #expect(Self.warnings(input) == [])
    }

    @Test("an endpoint dump refused with EPERM on 6.7–6.11 names the missing stable fix; not on 6.12", arguments: [
        ("6.8.0-45-generic", true), ("6.11.2", true), ("6.12.118+deb12-cloud-amd64", false), ("6.6.30", false),
    ])
    func privilegeQuirk(release: String, named: Bool) throws {
        var input = try Self.input("6.12", endpoints: nil)
        input.collectionErrors = ["path manager: kernel error EPERM (Operation not permitted)"]
        input.kernel = release
        let finding = try #require(FindingRules.evaluate(input).first { $0.id == "collection_incomplete" })
        #expect(finding.evidence.contains { $0.value.contains("no admin perm to list endpoints") } == named, "\(release)")
    }

    // MARK: Counter lineage

    @Test("what each captured kernel cannot tell, from the counters it lacks", arguments: [
        ("6.1", ["MPJoinSynTx", "MPCapableSYNTXDrop", "MPCapableSYNTXDisabled", "Blackhole", "MPCapableDataFallback", "DssFallback",
                 "MD5SigFallback", "SimultConnectFallback", "FallbackFailed", "MPJoinRejected", "MPCurrEstab"]),
        ("6.12", ["MPJoinRejected"]),
        ("6.18", []),
    ])
    func kernelLineage(kernel: String, missing: [String]) throws {
        let table = NetstatParser.parse(try Fixture.bytes("netstat-\(kernel)-client"))
        #expect(CounterLineage.missingEvidence(in: table)?.map(\.counter) == missing)
        let input = try Self.input(kernel)
        let finding = FindingRules.evaluate(input).first { $0.id == "kernel_lacks_evidence" }
        #expect(finding?.evidence.map(\.name) ?? [] == missing)
        #expect(finding.map { $0.severity == .info } ?? true)
        // Every counter the kernel has is placed in a diagram, and the lineage agrees with the capture.
        let names = table.section("MPTcpExt")?.names ?? []
        let known = Set(CounterCatalog.mptcp.map(\.name))
        #expect(names.filter { !known.contains($0) } == [], "\(kernel)")
        let version = (Int(kernel.split(separator: ".")[0])!, Int(kernel.split(separator: ".")[1])!)
        for name in names {
            if let introduced = CounterLineage.changes[name]?.introduced {
                #expect(introduced <= version, "\(kernel) has \(name), said to come with \(CounterLineage.since(name))")
            }
        }
        for descriptor in CounterCatalog.mptcp where !names.contains(descriptor.name) {
            let entry = CounterLineage.changes[descriptor.name]
            let later = entry?.introduced.map { $0 > version } ?? false
            #expect(later || entry?.removed != nil, "\(kernel) lacks \(descriptor.name), said to be there since \(CounterLineage.since(descriptor.name))")
        }
    }
}
