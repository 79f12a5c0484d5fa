import Foundation
import MPTCPModel
import MPTCPTerminal
import Testing

/// Frames rendered from fixture snapshots and compared with golden text.
/// Regenerate with `UPDATE_GOLDEN=1 swift test --filter TopRendererTests`.
@Suite("mptcp-top frames")
struct TopRendererTests {
    static func subflow(_ local: String, _ remote: String, _ interface: String, role: SubflowRole, priority: SubflowPriority = .active,
                        ids: (Int, Int), rtt: UInt32, cwnd: UInt32, acked: UInt64) -> LiveSnapshot.SubflowEntry {
        .init(local: local, remote: remote, interface: interface, localId: ids.0, remoteId: ids.1, role: role, priority: priority,
              rtt: rtt, cwnd: cwnd, deliveryRate: UInt64(acked / 10), bytesAcked: acked, bytesReceived: 0, retransmits: 0)
    }

    /// A client with a 3-subflow connection (one backup), a 2-subflow one, an
    /// IPv6 one and one that fell back; `step` moves the byte counters.
    static func busy(time: Double, step: UInt64) -> LiveSnapshot {
        var counters: [String: UInt64] = [:]
        for descriptor in CounterCatalog.mptcp where descriptor.name != "RcvPruned" && descriptor.name != "MPJoinNoIdFound" {
            counters[descriptor.name] = 0
        }
        counters["MPCapableSYNTX"] = 40 + step
        counters["MPCapableSYNACKRX"] = 37 + step
        counters["MPCapableFallbackSYNACK"] = 3 + step / 4
        counters["MPJoinSynTx"] = 70 + 2 * step
        counters["MPJoinSynAckRx"] = 70 + 2 * step
        counters["MPCurrEstab"] = 3
        counters["MPTCPRetrans"] = 12
        let connections: [LiveSnapshot.ConnectionEntry] = [
            .init(token: "7c0444bc", family: "inet", local: "10.77.1.1:42478", remote: "10.77.1.2:5201", state: .established,
                  fallback: false, bytesSent: 50_000_000 + step * 3_000_000, bytesReceived: 4096, retransmits: 2, lastDataSent: 12, lastDataReceived: 800,
                  subflows: [
                    subflow("10.77.1.1:42478", "10.77.1.2:5201", "c1", role: .initial, ids: (0, 0), rtt: 310, cwnd: 142, acked: 30_000_000 + step * 2_000_000),
                    subflow("10.77.2.1:33359", "10.77.1.2:5201", "c2", role: .join, ids: (1, 0), rtt: 1240, cwnd: 38, acked: 20_000_000 + step * 1_000_000),
                    subflow("10.77.3.1:40001", "10.77.1.2:5201", "c3", role: .join, priority: .backup, ids: (2, 0), rtt: 5400, cwnd: 10, acked: 1000),
                  ]),
            .init(token: "37717373", family: "inet", local: "10.77.1.1:42490", remote: "10.77.1.2:5201", state: .established,
                  fallback: false, bytesSent: 1_000_000 + step * 100_000, bytesReceived: 2_000_000 + step * 500_000, retransmits: 0,
                  lastDataSent: 40, lastDataReceived: 40,
                  subflows: [
                    subflow("10.77.1.1:42490", "10.77.1.2:5201", "c1", role: .initial, ids: (0, 0), rtt: 280, cwnd: 60, acked: 700_000),
                    subflow("10.77.2.1:51234", "10.77.1.2:5201", "c2", role: .join, ids: (1, 0), rtt: 900, cwnd: 30, acked: 300_000),
                  ]),
            .init(token: "e8f3c297", family: "inet6", local: "[fd00:77:1::1]:37522", remote: "[fd00:77:1::2]:5201", state: .established,
                  fallback: false, bytesSent: 200_000, bytesReceived: 0, retransmits: 0, lastDataSent: 5000, lastDataReceived: 65000,
                  subflows: [
                    subflow("[fd00:77:1::1]:37522", "[fd00:77:1::2]:5201", "c1", role: .initial, ids: (0, 0), rtt: 340, cwnd: 113, acked: 142_973),
                    subflow("[fd00:77:2::1]:35755", "[fd00:77:1::2]:5201", "c2", role: .join, ids: (2, 0), rtt: 150, cwnd: 52, acked: 57_029),
                  ]),
            .init(token: "d4ab4420", family: "inet", local: "10.77.1.1:37670", remote: "10.77.1.2:5301", state: .established,
                  fallback: true, bytesSent: 200_000, bytesReceived: 0, subflows: [
                    subflow("10.77.1.1:37670", "10.77.1.2:5301", "c1", role: .initial, ids: (0, 0), rtt: 360, cwnd: 151, acked: 200_001),
                  ]),
        ]
        return LiveSnapshot(
            time: time, hostname: "client", kernel: "6.18.44", mptcpEnabled: true, pathManager: "kernel", scheduler: "default",
            counters: counters, tcp: ["TcpActiveOpens": 120 + step], connections: connections,
            endpoints: [.init(id: 1, address: "10.77.2.1", port: nil, interface: "c2", flags: ["subflow"]),
                        .init(id: 2, address: "10.77.3.1", port: nil, interface: "c3", flags: ["subflow", "backup"])],
            limits: .init(subflows: 2, addAddrAccepted: 2), eventsAvailable: true,
            events: [
                .init(time: 1_764_053_460, type: "sub_established", summary: "[sub_established] token=7c0444bc remid=0 locid=2 saddr=10.77.3.1 daddr=10.77.1.2 sport=40001 dport=5201 backup=1"),
                .init(time: 1_764_053_459, type: "sub_established", summary: "[sub_established] token=7c0444bc remid=0 locid=1 saddr=10.77.2.1 daddr=10.77.1.2 sport=33359 dport=5201 backup=0"),
                .init(time: 1_764_053_458, type: "established", summary: "[established] token=7c0444bc remid=0 locid=0 saddr=10.77.1.1 daddr=10.77.1.2 sport=42478 dport=5201"),
            ])
    }

    static func state(_ snapshots: [LiveSnapshot], configure: (inout TopState) -> Void = { _ in }) -> TopState {
        var state = TopState(interval: 2, source: "local", namespace: "host")
        for snapshot in snapshots { state.update(snapshot) }
        configure(&state)
        return state
    }

    static func compare(_ frame: Frame, height: Int, golden name: String) throws {
        let text = frame.plain(height: height)
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            return
        }
        let url = try #require(Bundle.module.url(forResource: "Golden/" + name, withExtension: nil))
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "frame differs from Golden/\(name):\n\(text)")
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            #expect(line.count <= frame.width, "line wider than the terminal: \(line)")
        }
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count == height + 1)
    }

    static let busy = [busy(time: 1_764_053_460, step: 0), busy(time: 1_764_053_462, step: 1)]

    @Test("80x24: connections with rates, the 3-subflow connection expanded, the fallback marked")
    func connections80() throws {
        let state = Self.state(Self.busy) { $0.expanded = "7c0444bc" }
        try Self.compare(TopRenderer.render(state, width: 80, height: 24), height: 24, golden: "connections-80x24.txt")
    }

    @Test("several namespaces: the expanded connection says whose namespace it is (its cgroup: a container, a pod)")
    func namespaceOwner() {
        let snapshots = Self.busy.map { snapshot -> LiveSnapshot in
            var tagged = snapshot
            tagged.connections = tagged.connections.map { var entry = $0; entry.namespace = "netns-4026533763"; return entry }
            tagged.namespaces = ["host", "netns-4026533763"]
            tagged.namespaceOwners = ["netns-4026533763": "containerd container 4c1ea3f0a5b9, pod 8dcd3b2e-7a49-4c5e-9f1c-2b7a3e6d1f40 (burstable)"]
            return tagged
        }
        let state = Self.state(snapshots) { $0.expanded = "7c0444bc" }
        let text = TopRenderer.render(state, width: 160, height: 50).plain(height: 50)
        // The pane is as wide as it is: the line is cut there, never wrapped over the next row.
        #expect(text.contains("   namespace netns-4026533763: containerd container 4c1ea3f0a5b9, pod 8dcd3b2e"), "\(text)")
        #expect(text.components(separatedBy: "namespace netns-4026533763:").count == 2, "only under the expanded connection")
    }

    /// Two connections that ended: one cleanly 4 s before the snapshot, one
    /// whose join was aborted, 12 s before; and one too old to show.
    static func withClosed(_ snapshot: LiveSnapshot) -> LiveSnapshot {
        var tagged = snapshot
        func sub(_ local: String, _ interface: String, _ acked: UInt64, _ end: String) -> ClosedConnection.Subflow {
            .init(local: local, remote: "10.77.1.2:5201", interface: interface, bytesAcked: acked, bytesReceived: 1, end: end, lifetime: 1, exact: true)
        }
        tagged.closed = [
            ClosedConnection(token: "4aafa5fa", local: "10.77.1.1:46244", remote: "10.77.1.2:5201", endedAt: snapshot.time - 4, duration: 2.5,
                             end: "closed", subflows: [sub("10.77.1.1:46244", "c1", 100_002, "with_connection"), sub("10.77.2.1:50391", "c2", 2, "with_connection")],
                             interfaces: [.init(interface: "c1", bytesAcked: 100_002, bytesReceived: 1), .init(interface: "c2", bytesAcked: 2, bytesReceived: 1)]),
            ClosedConnection(token: "c15f7436", local: "10.77.1.1:46252", remote: "10.77.1.2:5201", endedAt: snapshot.time - 12, duration: 0.4,
                             end: "closed", subflows: [sub("10.77.1.1:46252", "c1", 200_001, "with_connection"), sub("10.77.2.1:51533", "c2", 1, "ECONNABORTED")],
                             interfaces: [.init(interface: "c1", bytesAcked: 200_001, bytesReceived: 0), .init(interface: "c2", bytesAcked: 1, bytesReceived: 0)]),
            ClosedConnection(token: "0badc0de", local: "10.77.1.1:40000", remote: "10.77.1.2:5201", endedAt: snapshot.time - 45, duration: nil,
                             end: "gone", subflows: [], interfaces: []),
        ]
        tagged.ledgerAvailable = true
        return tagged
    }

    @Test("connections that ended in the last 30 s: marked x, how they ended first, the failed one in the alert style")
    func endedConnections() {
        let state = Self.state(Self.busy.map(Self.withClosed))
        let frame = TopRenderer.render(state, width: 80, height: 24)
        let text = frame.plain(height: 24)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("x") }
        #expect(rows.count == 2, "\(text)")
        #expect(rows[0].hasPrefix("x4aafa5fa ") && rows[0].contains("closed · 4s ago after 2.5s"), "\(rows[0])")
        #expect(rows[1].contains("closed; c2 ECONNABORTED"), "\(rows[1])")
        #expect(text.contains(" ENDED (last 30 s)"))
        #expect(!text.contains("0badc0de"), "older than 30 s")
        let styles = frame.lines.filter { $0.first?.text.hasPrefix("x") == true }.map { $0.first?.style }
        #expect(styles == [.dim, .alert])
        // The filter applies to them too.
        let filtered = Self.state(Self.busy.map(Self.withClosed)) { $0.filter = "c15f" }
        #expect(!TopRenderer.render(filtered, width: 80, height: 24).plain(height: 24).contains("x4aafa5fa"))
    }

    @Test("80x24: the counters view (Case diagrams with rates)")
    func counters80() throws {
        let state = Self.state(Self.busy) { $0.view = .counters }
        try Self.compare(TopRenderer.render(state, width: 80, height: 24), height: 24, golden: "counters-80x24.txt")
    }

    @Test("160x50: connections, counters and events side by side")
    func wide160() throws {
        let state = Self.state(Self.busy) { $0.expanded = "7c0444bc"; $0.selected = 0 }
        try Self.compare(TopRenderer.render(state, width: 160, height: 50), height: 50, golden: "wide-160x50.txt")
    }

    @Test("an empty host at 80x24 and 160x50")
    func empty() throws {
        let empty = LiveSnapshot(time: 1_764_053_460, hostname: "idle", kernel: "6.18.44", mptcpEnabled: true, pathManager: "kernel",
                                 scheduler: "default", counters: ["MPCapableSYNTX": 0, "MPCurrEstab": 0], eventsAvailable: false)
        try Self.compare(TopRenderer.render(Self.state([empty]), width: 80, height: 24), height: 24, golden: "empty-80x24.txt")
        try Self.compare(TopRenderer.render(Self.state([empty]), width: 160, height: 50), height: 50, golden: "empty-160x50.txt")
    }

    @Test("keys: sort cycles, filter narrows, Enter expands, p pauses, Tab switches, +/- change the interval, q quits")
    func keys() {
        var state = Self.state(Self.busy)
        #expect(state.rows.map(\.connection.token) == ["7c0444bc", "37717373", "d4ab4420", "e8f3c297"], "by rate")
        state.handle(.character("s"))
        #expect(state.sort == .token)
        #expect(state.rows.first?.connection.token == "37717373")
        state.handle(.character("/"))
        for char in "fd00" { state.handle(.character(char)) }
        #expect(state.filterDraft == "fd00")
        state.handle(.enter)
        #expect(state.rows.map(\.connection.token) == ["e8f3c297"])
        state.handle(.enter)
        #expect(state.expanded == "e8f3c297")
        state.handle(.escape)
        #expect(state.filter.isEmpty && state.rows.count == 4)
        state.handle(.down); state.handle(.character("j"))
        #expect(state.selected == 2)
        state.handle(.character("p"))
        state.update(Self.busy(time: 1_764_053_470, step: 5))
        #expect(state.current?.time == 1_764_053_462, "paused: no update")
        state.handle(.character("p"))
        state.handle(.tab)
        #expect(state.view == .counters)
        state.handle(.character("+")); state.handle(.character("-")); state.handle(.character("-"))
        #expect(state.interval == 1)
        state.handle(.character("?"))
        #expect(state.showHelp)
        state.handle(.character("x"))
        #expect(!state.showHelp)
        state.handle(.character("q"))
        #expect(state.quit)
    }

    @Test("terminal bytes decode into keys")
    func keyDecoding() {
        #expect(KeyDecoder.decode(Array("\u{1B}[A\u{1B}[Bjk\r\t\u{7F}q".utf8)) == [.up, .down, .character("j"), .character("k"), .enter, .tab, .backspace, .character("q")])
        #expect(KeyDecoder.decode([0x1B]) == [.escape])
        #expect(KeyDecoder.decode(Array("\u{1B}[5~\u{1B}[6~\u{1B}[1;5C/".utf8)) == [.pageUp, .pageDown, .character("/")])
    }

    @Test("NO_COLOR keeps reverse video and bold but no colour")
    func noColor() {
        let frame = TopRenderer.render(Self.state(Self.busy), width: 80, height: 24)
        let colored = frame.ansi(height: 24, color: true), plain = frame.ansi(height: 24, color: false)
        #expect(colored.contains("\u{1B}[1;36m"))
        #expect(!plain.contains("\u{1B}[1;36m") && !plain.contains("\u{1B}[1;31m") && !plain.contains("\u{1B}[32m"))
        #expect(plain.contains("\u{1B}[7m"))
    }

    @Test("80 columns: a long host name and kernel release wrap the header, never cut an item")
    func headerFits80() {
        var snapshot = Self.busy[1]
        snapshot.hostname = "worker-node-17.eu-west.example.internal"
        snapshot.kernel = "6.18.44-fc-v1300+debian12-cloud"
        let state = Self.state([Self.busy[0], snapshot])
        let text = TopRenderer.render(state, width: 80, height: 24).plain(height: 24)
        let header = text.split(separator: "\n").prefix(5).joined(separator: "\n")
        for item in ["worker-node-17.eu-west.example.internal", "kernel 6.18.44-fc-v1300+debian12-cloud", "sched default",
                     "events yes", "source local", "every 2s", "fallback 1", "join 1.0/s"] {
            #expect(header.contains(item), "\(item) cut or missing:\n\(header)")
        }
        #expect(text.contains("+/- interval"), "the footer fits")
    }

    @Test("batch frames list every connection's subflows with both ends, at 80 and 160 columns")
    func batchSubflows() {
        for width in [80, 160] {
            var frames: [String] = []
            var calls = 0
            let failures = TopApp.runBatch(state: TopState(interval: 0.1, source: "local", namespace: "host"), iterations: 1, width: width,
                                           write: { frames.append($0) }, fetch: { calls += 1; return Self.busy[1] })
            #expect(failures.isEmpty && calls == 1)
            let text = frames.joined()
            for connection in Self.busy[1].connections {
                for subflow in connection.subflows {
                    #expect(text.contains("\(subflow.local) -> \(subflow.remote)"), "width \(width): \(subflow.local) -> \(subflow.remote)")
                }
            }
            for line in text.split(separator: "\n") { #expect(line.count <= width, "cut at \(width): \(line)") }
            #expect(!text.contains("q quit"), "no key footer in batch output")
        }
    }

    @Test("batch mode reports every failed refresh (mptcp-top exits 1 on them)")
    func batchFailures() {
        struct Unreachable: Error, CustomStringConvertible { var description: String { "connect to 127.0.0.1:9: ECONNREFUSED" } }
        var frames: [String] = []
        let failures = TopApp.runBatch(state: TopState(interval: 0.1, source: "http://127.0.0.1:9", namespace: "host"), iterations: 2,
                                       width: 80, write: { frames.append($0) }, fetch: { throw Unreachable() })
        #expect(failures.count == 2)
        #expect(frames.joined().contains("ECONNREFUSED"), "the frame says why too")
    }
}
