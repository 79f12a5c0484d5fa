import MPTCPWire
import MPTCPModel
import MPTCPPresentation
import Testing

@Suite("Connection metrics")
struct ConnectionFamiliesTests {
    static func clientSnapshot() throws -> ConnectionSnapshot {
        let (mptcp, tcp) = try SockDiagFixture.decode("cli")
        return ConnectionJoiner.join(mptcp: mptcp, tcp: tcp, interfaces: SockDiagFixture.clientInterfaces)
    }

    static func value(_ families: [MetricFamily], _ name: String, _ labels: [String: String] = [:]) -> SampleValue? {
        families.first { $0.name == name }?.samples.first { sample in
            labels.allSatisfy { key, value in sample.labels.contains { $0.name == key && $0.value == value } }
        }?.value
    }

    @Test("bounded series: states, fallbacks, roles, buckets, interfaces")
    func bounded() throws {
        let snapshot = try Self.clientSnapshot()
        var counters = InterfaceByteCounters()
        let families = ConnectionFamilies.families(snapshot, interfaceBytes: counters.update(with: snapshot), decodeErrors: 0)
        #expect(Self.value(families, "mptcp_connections", ["state": "established"]) == .unsigned(4))
        #expect(Self.value(families, "mptcp_connections", ["state": "syn_sent"]) == .unsigned(0))
        #expect(Self.value(families, "mptcp_connections_fallback") == .unsigned(1))
        #expect(Self.value(families, "mptcp_listeners") == .unsigned(0))
        #expect(Self.value(families, "mptcp_subflows", ["role": "initial", "priority": "active"]) == .unsigned(4))
        #expect(Self.value(families, "mptcp_subflows", ["role": "join", "priority": "active"]) == .unsigned(3))
        #expect(Self.value(families, "mptcp_subflows", ["role": "join", "priority": "backup"]) == .unsigned(0))
        #expect(Self.value(families, "mptcp_connections_by_subflows", ["subflows": "2"]) == .unsigned(3))
        #expect(Self.value(families, "mptcp_connections_by_subflows", ["subflows": "1"]) == .unsigned(1))
        #expect(Self.value(families, "mptcp_subflows_by_interface", ["interface": "c1"]) == .unsigned(4))
        #expect(Self.value(families, "mptcp_subflows_by_interface", ["interface": "c2"]) == .unsigned(3))
        #expect(families.allSatisfy { !$0.name.hasPrefix("mptcp_connection_info") }, "per-connection series are opt-in")
    }

    @Test("per-connection series are capped and the rest counted")
    func perConnection() throws {
        let snapshot = try Self.clientSnapshot()
        let families = ConnectionFamilies.families(snapshot, interfaceBytes: [:], decodeErrors: 0,
                                                   options: .init(perConnection: true, maxConnections: 3))
        #expect(families.first { $0.name == "mptcp_connection_info" }?.samples.count == 3)
        #expect(Self.value(families, "mptcp_exporter_connection_series_dropped") == .unsigned(1))
        let info = try #require(families.first { $0.name == "mptcp_subflow_info" })
        #expect(info.samples.allSatisfy { sample in sample.labels.contains { $0.name == "token" } })
        let all = ConnectionFamilies.families(snapshot, interfaceBytes: [:], decodeErrors: 0,
                                              options: .init(perConnection: true, maxConnections: 100))
        #expect(all.first { $0.name == "mptcp_subflow_info" }?.samples.count == 7)
        #expect(Self.value(all, "mptcp_connection_bytes_sent_total", ["token": snapshot.connections[0].tokenHex]) == .unsigned(200_000))
    }

    @Test("interface byte counters never go backwards when connections close")
    func monotonicBytes() throws {
        let snapshot = try Self.clientSnapshot()
        var counters = InterfaceByteCounters()
        let first = counters.update(with: snapshot)
        let acked = snapshot.connections.flatMap(\.subflows).filter { $0.interface == "c1" }.compactMap { $0.tcp?.bytesAcked }.reduce(0, +)
        #expect(first["c1"]?.acked == acked)

        var fewer = snapshot
        fewer.connections.removeFirst(2)        // two connections closed
        let second = counters.update(with: fewer)
        #expect(second["c1"]?.acked == acked, "closed subflows keep counting")

        var grown = fewer
        grown.connections[0].subflows[0].tcp?.bytesAcked! += 1000
        let third = counters.update(with: grown)
        #expect(third["c1"]?.acked == acked + 1000)

        let empty = counters.update(with: ConnectionSnapshot())
        #expect(empty["c1"]?.acked == acked + 1000)
        #expect(counters.liveCookies.isEmpty)
        // Gone subflows wait three updates for a late destroy notification, then are forgotten.
        for _ in 0..<3 { #expect(counters.update(with: ConnectionSnapshot())["c1"]?.acked == acked + 1000) }
        #expect(counters.trackedSubflows == 0, "nothing remembered once the subflows are gone")
    }

    @Test("bookkeeping during the join gives the same families and bytes as walking the snapshot after it, across a restarted read")
    func streamedBookkeeping() throws {
        let (mptcp, tcp) = try SockDiagFixture.decode("cli")
        var walkedCounters = InterfaceByteCounters()
        let walkedSnapshot = ConnectionJoiner.join(mptcp: mptcp, tcp: tcp, interfaces: SockDiagFixture.clientInterfaces)
        let walked = ConnectionFamilies.families(walkedSnapshot, interfaceBytes: walkedCounters.update(with: walkedSnapshot), decodeErrors: 0)

        var bookkeeping = SubflowBookkeeping()
        // A first attempt that sees only half of the subflows, as a dump the kernel interrupts would.
        bookkeeping.restart()
        var aborted = ConnectionJoiner(interfaces: SockDiagFixture.clientInterfaces)
        for socket in mptcp { aborted.addMPTCP(socket) }
        for socket in tcp.prefix(tcp.count / 2) { if let subflow = aborted.addTCP(socket) { bookkeeping.observe(subflow) } }
        // The retry sees everything.
        bookkeeping.restart()
        var joiner = ConnectionJoiner(interfaces: SockDiagFixture.clientInterfaces)
        for socket in mptcp { joiner.addMPTCP(socket) }
        var observed = 0
        for socket in tcp { if let subflow = joiner.addTCP(socket) { bookkeeping.observe(subflow); observed += 1 } }
        let snapshot = joiner.finish()
        #expect(observed == snapshot.subflowCount, "every attached subflow is observed, the unmatched ones are not")
        let streamed = ConnectionFamilies.families(snapshot, interfaceBytes: bookkeeping.bytes.finishUpdate(), decodeErrors: 0,
                                                   tally: bookkeeping.tally)
        #expect(ExpositionRenderer.render(streamed) == ExpositionRenderer.render(walked))
        #expect(bookkeeping.bytes.trackedSubflows == walkedCounters.trackedSubflows)
    }

    @Test("kernels that hide the subflow context: joined by inode, role unknown, said in a series")
    func hiddenContext() throws {
        let (mptcp, tcp) = try SockDiagFixture.decode("cli")
        let stripped = tcp.map { socket -> DiagSocket in
            var copy = socket
            copy.subflow = nil
            copy.ulpName = nil      // before 6.15, unprivileged: no INET_DIAG_ULP_INFO at all
            return copy
        }
        let snapshot = ConnectionJoiner.join(mptcp: mptcp, tcp: stripped)
        #expect(snapshot.connections.count == 4)
        #expect(snapshot.subflowCount == 7, "joined by inode")
        #expect(snapshot.missingFields.contains(.subflowContext))
        let families = ConnectionFamilies.families(snapshot, interfaceBytes: [:], decodeErrors: 0)
        #expect(Self.value(families, "mptcp_exporter_connections_missing_fields", ["field": "subflow_context"]) == .unsigned(1))
        #expect(Self.value(families, "mptcp_subflows", ["role": "unknown", "priority": "unknown"]) == .unsigned(7))
    }
}
