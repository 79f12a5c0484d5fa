import Foundation
import MPTCPWire
import MPTCPModel
import MPTCPPresentation
import Testing
import TestSupport

/// What an operator reads: the same content in text, Markdown and HTML, the
/// Markdown checked by a real GitHub-flavoured renderer (cmark-gfm).
@Suite("Report rendering")
struct ReportRenderingTests {
    /// The 6.18 client capture: 3 connections with their subflows, 10 events, a route check.
    static func report() throws -> Report {
        var snapshot = try FindingRulesTests.snapshot(after: ["MPJoinSynTx": 4, "MPJoinSynAckRx": 2], routes: [
            RouteCheck(endpointID: 1, source: "10.77.2.1", destination: "192.0.2.1", interface: "c2", error: nil),
            RouteCheck(endpointID: 2, source: "10.77.3.1", destination: "10.77.1.2", interface: nil, error: "ENETUNREACH"),
        ])
        snapshot.sockDiag = ["mptcp-inet": try SockDiagFixture.datagrams("cli", "mptcp-inet"), "tcp-inet": try SockDiagFixture.datagrams("cli", "tcp-inet")]
        snapshot.interfaces = SockDiagFixture.clientInterfaces
        snapshot.eventsRaw = try SockDiagFixture.datagramsAt("genl-6.18-cli/events.bin")
        snapshot.eventsUnavailableReason = nil
        snapshot.closedConnections = Self.closed
        return ReportBuilder.build(snapshot)
    }

    /// Two connections the ledger saw end: a clean close, and one whose join was aborted.
    static let closed: [ClosedConnection] = [
        ClosedConnection(token: "4aafa5fa", local: "10.77.1.1:46244", remote: "10.77.1.2:5201", endedAt: 1_764_053_470, duration: 2.5, end: "closed",
                         subflows: [.init(local: "10.77.1.1:46244", remote: "10.77.1.2:5201", interface: "c1", bytesAcked: 100_002, bytesReceived: 1,
                                          end: "with_connection", lifetime: 2.5, exact: true),
                                    .init(local: "10.77.2.1:50391", remote: "10.77.1.2:5201", interface: "c2", bytesAcked: 2, bytesReceived: 1,
                                          end: "with_connection", lifetime: 2.4, exact: true)],
                         interfaces: [.init(interface: "c1", bytesAcked: 100_002, bytesReceived: 1), .init(interface: "c2", bytesAcked: 2, bytesReceived: 1)]),
        ClosedConnection(token: "c15f7436", local: "10.77.1.1:46252", remote: "10.77.1.2:5201", endedAt: 1_764_053_471, duration: nil, end: "gone",
                         subflows: [.init(local: "10.77.2.1:51533", remote: "10.77.1.2:5201", interface: "c2", bytesAcked: 1, bytesReceived: 0,
                                          end: "ECONNABORTED", lifetime: nil, exact: false)],
                         interfaces: [.init(interface: "c2", bytesAcked: 1, bytesReceived: 0)]),
    ]

    @Test("connections that ended: listed in every format; the archive keeps them; a stranger's closed.json that does not decode is an error")
    func endedConnections() throws {
        let report = try Self.report()
        #expect(report.ended.available && report.ended.list.map(\.token) == ["4aafa5fa", "c15f7436"])
        let text = ReportRenderer.render(report, style: .text)
        #expect(text.contains("2 connections ended during the interval, 1 with a subflow that ended on an error or reset"), "\(text)")
        #expect(text.contains("gone; c2 ECONNABORTED"))
        #expect(ReportRenderer.render(report, style: .markdown).contains("| 4aafa5fa | 10.77.1.1:46244 | 10.77.1.2:5201 | 2.5 s | 2 | c1 100002, c2 2 | closed |"))
        #expect(ReportHTML.render(report).contains("<h2>Connections that ended</h2>"))

        var snapshot = try FindingRulesTests.snapshot()
        snapshot.closedConnections = Self.closed
        let decoded = try SnapshotArchive.decode(SnapshotArchive.encode(snapshot))
        #expect(decoded.closedConnections == Self.closed)
        snapshot.closedConnections = nil
        snapshot.ledgerUnavailableReason = "not followed (--no-ledger)"
        let without = ReportBuilder.build(try SnapshotArchive.decode(SnapshotArchive.encode(snapshot)))
        #expect(!without.ended.available && without.ended.unavailableReason == "not followed (--no-ledger)")

        var entries = try Tar.read(SnapshotArchive.encode(snapshot))
        entries.append(.init(name: "ledger/closed.json", contents: Array("{\"not\": \"a list\"}".utf8)))
        let hostile = try SnapshotArchive.decode(Tar.write(entries, modificationTime: 0))
        #expect(hostile.closedConnections == nil)
        #expect(hostile.collectionErrors.contains { $0.hasPrefix("ledger/closed.json: not a list of closed connections") })
    }

    /// Tables of a Markdown source: runs of lines starting with `|`, with their column counts.
    static func sourceTables(_ markdown: String) -> [Int] {
        var tables: [Int] = [], previous = ""
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("|"), !previous.hasPrefix("|") { tables.append(line.split(separator: "|", omittingEmptySubsequences: false).count - 2) }
            previous = line
        }
        return tables
    }

    @Test("Markdown: a GFM renderer finds every table whole, with all its columns, and nothing else turned into a table row",
          .enabled(if: Command.which("cmark-gfm") != nil, "needs cmark-gfm (scripts/install-deps.sh --test installs it)"))
    func markdownRendersAsWritten() throws {
        let report = try Self.report()
        for options in [ReportRenderer.Options(), ReportRenderer.Options(showZeroCounters: true)] {
            let markdown = ReportRenderer.render(report, style: .markdown, options: options)
            let directory = try TemporaryDirectory("report-markdown")
            let file = directory.file("report.md")
            try markdown.write(toFile: file, atomically: false, encoding: .utf8)
            let html = try Command.check(["cmark-gfm", "--extension", "table", file])
            let expected = Self.sourceTables(markdown)
            let rendered = html.components(separatedBy: "<table>").dropFirst().map { table in
                let head = table.components(separatedBy: "</thead>").first ?? ""
                return head.components(separatedBy: "<th>").count - 1 + head.components(separatedBy: "<th ").count - 1
            }
            #expect(expected.count >= 10)
            #expect(rendered == expected, "tables and their columns as written (show zero: \(options.showZeroCounters))")
            // Every line that starts with | belongs to a table: rows rendered = source rows.
            let sourceRows = markdown.split(separator: "\n").filter { $0.hasPrefix("|") && !$0.hasPrefix("|---") }.count
            #expect(html.components(separatedBy: "<tr>").count - 1 == sourceRows)
            #expect(!html.contains("<td>limits"), "the limits line stays a paragraph")
        }
    }

    @Test("text: Case diagrams grouped by lane with a legend, zero rows folded unless asked")
    func textDiagrams() throws {
        let report = try Self.report()
        let text = ReportRenderer.render(report, style: .text)
        #expect(text.contains("==> a branch where some packets leave the flow"))
        #expect(text.contains("    SYN with MP_JOIN sent, SYN+ACK received\n      in  MPJoinSynTx"))
        let zero = report.diagrams.flatMap(\.counters).filter { $0.value == 0 && $0.change == 0 }
        #expect(!zero.isEmpty)
        for counter in zero {
            #expect(!text.contains("  \(counter.name)  "), "\(counter.name) is 0: folded, not a row")
            #expect(text.contains(counter.name), "\(counter.name) still named in its lane's at-0 line")
        }
        let all = ReportRenderer.render(report, style: .text, options: .init(showZeroCounters: true))
        for counter in zero { #expect(all.contains(" \(counter.name) "), "--show-zero lists \(counter.name)") }
        // The lane title appears once per lane, not on every row.
        let lanes = Set(report.diagrams.flatMap(\.counters).compactMap(\.lane))
        for lane in lanes { #expect(text.components(separatedBy: lane).count - 1 == 1, "\(lane)") }
    }

    @Test("every format names both ends of every subflow, the route checks, subflows per connection, TCP counters and events")
    func sameContentEverywhere() throws {
        let report = try Self.report()
        let subflows = report.connections.list.flatMap(\.subflows)
        #expect(subflows.count >= 5)
        let formats = ["text": ReportRenderer.render(report, style: .text), "markdown": ReportRenderer.render(report, style: .markdown),
                       "html": ReportHTML.render(report)]
        for (format, output) in formats {
            for subflow in subflows {
                #expect(output.contains(subflow.local) && output.contains(subflow.remote), "\(format): \(subflow.local) -> \(subflow.remote)")
            }
            #expect(output.contains("192.0.2.1 from 10.77.2.1") && output.contains("ENETUNREACH"), "\(format): route checks")
            #expect(output.contains("subflows per connection"), "\(format)")
            #expect(output.contains("RetransSegs"), "\(format): TCP counters")
            #expect(output.contains("10 events during the interval"), "\(format)")
            #expect(output.contains(format == "html" ? "==&gt;" : "==>"), "\(format): the legend")
        }
    }

    @Test("plurals and punctuation: 1 listener, 0 events during the interval., no line ending in a colon")
    func wording() throws {
        var report = try Self.report()
        report.connections.count = 1
        report.connections.listeners = 1
        report.connections.subflows = 1
        report.events.list = []
        report.events.byType = [:]
        let text = ReportRenderer.render(report, style: .text)
        #expect(text.contains("1 MPTCP connection (") && text.contains("1 subflow, 1 listener."))
        #expect(text.contains("0 events during the interval."))
        for line in text.split(separator: "\n") where line.hasSuffix(":") {
            #expect(line.hasSuffix("its flow:") || line.hasSuffix("bound to it):") || line.hasSuffix("each:") || line.hasSuffix("notifications:"), "dangling colon: \(line)")
        }
    }

    @Test("a report that could not read the kernel says so first, in every format, never 'No finding'")
    func couldNotLook() throws {
        var snapshot = try FindingRulesTests.snapshot()
        snapshot.first.netstat = []
        snapshot.second.netstat = []
        snapshot.first.snmp = []
        snapshot.second.snmp = []
        snapshot.collectionErrors = ["open(/nonexistent/net/netstat): ENOENT (No such file or directory)"]
        let report = ReportBuilder.build(snapshot)
        #expect(report.findings.first?.id == "collection_incomplete")
        #expect(report.findings.first?.severity == .critical)
        for rendered in [ReportRenderer.render(report, style: .text), ReportRenderer.render(report, style: .markdown), ReportHTML.render(report)] {
            #expect(!rendered.contains("No finding"))
            let output = rendered.lowercased()
            let findings = try #require(output.range(of: "findings")).upperBound
            let first = try #require(output[findings...].range(of: "could not be read")).lowerBound
            #expect(output[findings..<first].count < 200, "the read failure is the first thing under Findings")
            #expect(output.contains("/nonexistent/net/netstat"))
        }
        // Only part of it failed: a warning, still first.
        var partial = try FindingRulesTests.snapshot(after: ["MPJoinAckHMacFailure": 1])
        partial.collectionErrors = ["connections: sock_diag: ENOENT (mptcp_diag module missing?)"]
        let partialReport = ReportBuilder.build(partial)
        #expect(partialReport.findings.first?.id == "collection_incomplete")
        #expect(partialReport.findings.first?.severity == .warning)
        #expect(partialReport.findings.count == 2)
    }

    @Test("the view model's enums travel as the same strings, and an unknown value decodes as unknown, not as an error")
    func typedWords() throws {
        let report = try Self.report()
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"role\":\"join\"") && json.contains("\"priority\":\"active\"") && json.contains("\"state\":\"established\""))
        #expect(json.contains("\"role\":\"branch\""), "counter roles too")
        let foreign = Data(#"{"local":"a","remote":"b","role":"something_new","priority":"?","rtt":1}"#.utf8)
        let subflow = try JSONDecoder().decode(LiveSnapshot.SubflowEntry.self, from: foreign)
        #expect(subflow.role == .unknown && subflow.priority == .unknown)
        #expect(try JSONDecoder().decode(ConnectionState.self, from: Data(#""listen""#.utf8)) == .listen)
        #expect(try JSONDecoder().decode(ConnectionState.self, from: Data(#""not_a_state""#.utf8)) == .unknown)
        #expect(ConnectionState(number: 1) == .established && ConnectionState(number: 99) == .unknown)
    }
}
