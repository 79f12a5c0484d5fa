import MPTCPWire
import MPTCPModel
import MPTCPPresentation
import Testing

/// A fixture snapshot per finding: it fires, with the right evidence; healthy snapshots fire nothing.
@Suite("Findings")
struct FindingRulesTests {
    /// The 6.18 capture with some MPTcpExt counters replaced.
    static func netstat(_ base: String = "netstat-6.18-client", _ changes: [String: UInt64] = [:]) throws -> [UInt8] {
        var lines = try Fixture.text(base).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.firstIndex(where: { $0.hasPrefix("MPTcpExt:") }) else { return Array(lines.joined(separator: "\n").utf8) }
        let names = lines[header].split(separator: " ").dropFirst().map(String.init)
        var values = lines[header + 1].split(separator: " ").dropFirst().map(String.init)
        for (name, value) in changes { if let index = names.firstIndex(of: name) { values[index] = String(value) } }
        lines[header + 1] = "MPTcpExt: " + values.joined(separator: " ")
        return Array(lines.joined(separator: "\n").utf8)
    }

    static let sysctls: [String: String] = [
        "enabled": "1", "path_manager": "kernel", "scheduler": "default", "stale_loss_cnt": "4",
        "syn_retrans_before_tcp_fallback": "2", "blackhole_timeout": "3600",
    ]

    /// A healthy client (the capture: 3 MPTCP opens, 2 joins, subflow endpoints, limits 2/2)
    /// whose counters moved by `before → after`.
    static func snapshot(base: String = "netstat-6.18-client", before: [String: UInt64] = [:], after: [String: UInt64] = [:],
                         sysctls: [String: String] = sysctls, endpointsFile: String? = "genl-6.18-cli/get-addr.bin",
                         limitsFile: String? = "genl-6.18-cli/get-limits.bin", routes: [RouteCheck] = []) throws -> HostSnapshot {
        let snmp = try Fixture.bytes("snmp-6.18-client")
        return HostSnapshot(
            hostname: "fixture", kernel: "6.18.44",
            first: .init(time: 100, netstat: try netstat(base, before), snmp: snmp),
            second: .init(time: 105, netstat: try netstat(base, before.merging(after) { $1 }), snmp: snmp),
            sockDiag: [:], interfaces: InterfaceTable(),
            endpointsRaw: try endpointsFile.map { try SockDiagFixture.datagramsAt($0) },
            limitsRaw: try limitsFile.map { try SockDiagFixture.datagramsAt($0) },
            sysctlFiles: sysctls, eventsRaw: nil, eventsUnavailableReason: "not watched", routeChecks: routes, collectionErrors: [])
    }

    static func findings(_ snapshot: HostSnapshot) -> [Report.Finding] { ReportBuilder.build(snapshot).findings }

    static func expectOnly(_ id: String, in snapshot: HostSnapshot, evidence: [String: String] = [:]) throws {
        // What an older kernel cannot tell is said on its own (kernelLineage).
        let found = findings(snapshot).filter { $0.id != "kernel_lacks_evidence" || id == "kernel_lacks_evidence" }
        #expect(found.map(\.id) == [id], "\(found.map(\.id))")
        let finding = try #require(found.first { $0.id == id })
        for (name, value) in evidence {
            #expect(finding.evidence.contains { $0.name == name && ($0.value == value || $0.change == value) }, "\(id): \(name)=\(value) in \(finding.evidence)")
        }
        #expect(!finding.meaning.isEmpty && !finding.action.isEmpty)
    }

    @Test("healthy captures: no finding on the client, the server, or the 5.18 reference host without errors")
    func healthy() throws {
        #expect(Self.findings(try Self.snapshot()).isEmpty)
        #expect(Self.findings(try Self.snapshot(base: "netstat-6.18-server", endpointsFile: "genl-6.18-srv/get-addr.bin")).isEmpty)
        #expect(Self.findings(try Self.snapshot(base: "netstat-6.18-fresh-namespace", endpointsFile: nil, limitsFile: nil)).isEmpty,
                "an unused namespace")
        let reachable = RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "192.0.2.1", interface: "c2", error: nil)
        #expect(Self.findings(try Self.snapshot(routes: [reachable])).isEmpty)
    }

    @Test("MPTCP disabled")
    func disabled() throws {
        var sysctls = Self.sysctls
        sysctls["enabled"] = "0"
        try Self.expectOnly("mptcp_disabled", in: try Self.snapshot(sysctls: sysctls), evidence: ["net.mptcp.enabled": "0"])
    }

    @Test("no endpoint with subflow or signal on a host that uses MPTCP with one path only")
    func noExtraSubflows() throws {
        let snapshot = try Self.snapshot(after: ["MPJoinSynTx": 0, "MPJoinSynAckRx": 0], endpointsFile: "genl-6.18-srv/get-addr.bin")
        // The server's endpoints are signal ones: not this finding.
        #expect(!Self.findings(snapshot).contains { $0.id == "no_extra_subflows" })
        var empty = try Self.snapshot(after: ["MPJoinSynTx": 0, "MPJoinSynAckRx": 0])
        empty.endpointsRaw = []
        try Self.expectOnly("no_extra_subflows", in: empty, evidence: ["endpoints": "0", "MPJoinSynTx": "0"])
    }

    @Test("limits at 0")
    func limitsZero() throws {
        var snapshot = try Self.snapshot()
        // GET_LIMITS reply with SUBFLOWS 0: patch the captured attribute value.
        var datagram = try #require(snapshot.limitsRaw?.first)
        let view = ByteView(datagram)
        var offset = 16 + 4
        while let length = view.u16(offset), let type = view.u16(offset + 2), length >= 4 {
            if type == 3 { datagram[offset + 4] = 0 }
            offset += (Int(length) + 3) & ~3
        }
        snapshot.limitsRaw = [datagram]
        try Self.expectOnly("limits_zero", in: snapshot, evidence: ["ip mptcp limits subflow": "0"])
    }

    @Test("a subflow endpoint without any route")
    func noRoute() throws {
        // Endpoint 1 has dev c2: the lookups bound to c2 are the kernel's; the unbound ones do not decide.
        let routes = [RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "10.77.1.2", interface: "c1", error: nil),
                      RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "10.77.1.2", interface: nil, error: "ENETUNREACH", boundDevice: "c2"),
                      RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "192.0.2.1", interface: nil, error: "ENETUNREACH", boundDevice: "c2")]
        try Self.expectOnly("endpoint_without_route", in: try Self.snapshot(routes: routes),
                            evidence: ["route get 192.0.2.1 from 10.77.2.1 oif c2": "ENETUNREACH"])
        // Unbound lookups failing while the bound ones succeed: the kernel's subflow has its route.
        let boundOK = [RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "192.0.2.1", interface: nil, error: "ENETUNREACH"),
                       RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "192.0.2.1", interface: "c2", error: nil, boundDevice: "c2")]
        #expect(Self.findings(try Self.snapshot(routes: boundOK)).isEmpty)
        // The on-link guess alone is no host finding: on a flat link it works.
        let guess = [RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "192.0.2.1", interface: "c2", error: nil,
                                boundDevice: "c2", assumedOnLink: true)]
        #expect(Self.findings(try Self.snapshot(routes: guess)).isEmpty)
    }

    @Test("active opens falling back, with the numbers", arguments: [(1, 1), (20, 5)])
    func activeFallback(fellBack: Int, attempts: Int) throws {
        let before: [String: UInt64] = ["MPCapableSYNTX": 100, "MPCapableFallbackSYNACK": 0]
        let after: [String: UInt64] = ["MPCapableSYNTX": UInt64(100 + max(attempts, fellBack)), "MPCapableFallbackSYNACK": UInt64(fellBack)]
        try Self.expectOnly("active_open_fallback", in: try Self.snapshot(before: before, after: after),
                            evidence: ["MPCapableFallbackSYNACK": "+\(fellBack)", "MPCapableSYNTX": "+\(max(attempts, fellBack))"])
        // A few fallbacks among many attempts are not worth a finding.
        #expect(Self.findings(try Self.snapshot(before: before, after: ["MPCapableSYNTX": 1100, "MPCapableFallbackSYNACK": 3])).isEmpty)
    }

    @Test("one counter, one finding", arguments: [
        ("MPCapableFallbackACK", "passive_fallback_third_ack"), ("MPCapableSYNTXDrop", "syn_drops"),
        ("Blackhole", "blackhole"), ("MPCapableSYNTXDisabled", "blackhole"), ("MPJoinAckHMacFailure", "join_hmac_failures"),
        ("MPJoinSynAckHMacFailure", "join_hmac_failures"), ("MPJoinNoTokenFound", "join_unknown_token"),
        ("MPJoinRejected", "joins_rejected"), ("MPJoinSynTxConnectErr", "join_errors"), ("MPJoinSynTxBindErr", "join_errors"),
        ("DataCsumErr", "checksum_errors"), ("InfiniteMapRx", "infinite_mappings"), ("InfiniteMapTx", "infinite_mappings"),
        ("SubflowStale", "stale_subflows"), ("AddAddrDrop", "add_addr_dropped"),
    ])
    func singleCounter(counter: String, id: String) throws {
        try Self.expectOnly(id, in: try Self.snapshot(after: [counter: 3]), evidence: [counter: "3"])
    }

    @Test("receive pruning, on a kernel that has RcvPruned (5.18)")
    func rcvPruned() throws {
        var snapshot = try Self.snapshot(base: "netstat-5.18-reference", after: ["RcvPruned": 7, "MPCapableFallbackSYNACK": 0, "MPRstTx": 0])
        snapshot.endpointsRaw = try SockDiagFixture.datagramsAt("genl-6.18-cli/get-addr.bin")
        try Self.expectOnly("receive_pruned", in: snapshot, evidence: ["RcvPruned": "7"])
    }

    @Test("counters near 2^64 from a stranger's archive: every rule and renderer runs, nothing traps")
    func countersNearTheTop() throws {
        let top = UInt64.max
        let names = ["MPCapableSYNTX", "MPCapableSYNRX", "MPJoinAckHMacFailure", "MPJoinSynAckHMacFailure", "SubflowStale",
                     "SubflowRecover", "MPCapableFallbackSYNACK", "MPJoinSynRx", "MPJoinNoTokenFound", "MPJoinSynTx", "MPJoinSynAckRx"]
        let before = Dictionary(uniqueKeysWithValues: names.map { ($0, top - 5) })
        let after = Dictionary(uniqueKeysWithValues: names.map { ($0, top) })
        let report = ReportBuilder.build(try Self.snapshot(before: before, after: after))
        #expect(report.findings.contains { $0.id == "join_hmac_failures" })
        _ = ReportRenderer.render(report, style: .text)
        _ = ReportRenderer.render(report, style: .markdown, options: .init(showZeroCounters: true))
        _ = ReportHTML.render(report)
    }

    @Test("a snapshot archive gives back the same report")
    func archiveRoundTrip() throws {
        var snapshot = try Self.snapshot(after: ["DataCsumErr": 2], routes: [
            RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "192.0.2.1", interface: "c2", error: nil),
            RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "10.77.1.2", interface: "c2", error: nil, boundDevice: "c2", assumedOnLink: true)])
        snapshot.sockDiag = ["mptcp-inet": try SockDiagFixture.datagrams("cli", "mptcp-inet"), "tcp-inet": try SockDiagFixture.datagrams("cli", "tcp-inet")]
        snapshot.interfaces = SockDiagFixture.clientInterfaces
        snapshot.eventsRaw = try SockDiagFixture.datagramsAt("genl-6.18-cli/events.bin")
        snapshot.eventsUnavailableReason = nil
        let decoded = try SnapshotArchive.decode(SnapshotArchive.encode(snapshot))
        let original = ReportBuilder.build(snapshot), again = ReportBuilder.build(decoded)
        #expect(again == original)
        #expect(original.connections.count == 3)
        #expect(original.events.list.count == 10)
        #expect(original.findings.map(\.id) == ["checksum_errors"])
    }

    @Test("text, Markdown and HTML carry the findings and the diagrams")
    func renderers() throws {
        let report = ReportBuilder.build(try Self.snapshot(after: ["MPJoinAckHMacFailure": 1]))
        let text = ReportRenderer.render(report, style: .text)
        #expect(text.contains("[CRITICAL] MP_JOIN with an invalid HMAC"))
        #expect(text.contains("MP_JOIN, accepting subflows"))
        let markdown = ReportRenderer.render(report, style: .markdown)
        #expect(markdown.contains("## Findings") && markdown.contains("|   | counter | value | change |"))
        let html = ReportHTML.render(report)
        let lanes = report.diagrams.reduce(0) { $0 + Set($1.counters.compactMap(\.lane)).count }
        #expect(html.components(separatedBy: "<svg ").count - 1 == lanes)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""), "self-contained")
    }
}
