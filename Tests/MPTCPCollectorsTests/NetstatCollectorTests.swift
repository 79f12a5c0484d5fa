import Foundation
import Logging
import MPTCPCollectors
import MPTCPModel
import Testing

/// A procfs tree in a temporary directory, for collectors that read files.
final class FixtureTree {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("mptcp-exporter-tests-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/net", withIntermediateDirectories: true)
    }

    func write(_ relative: String, _ text: String) throws {
        try text.write(toFile: root + "/" + relative, atomically: true, encoding: .utf8)
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: root + "/" + relative)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}

/// Collects log lines in memory.
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    let lines = NSLock()
    private var stored: [String] = []
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        lines.lock(); defer { lines.unlock() }
        stored.append("\(event.level) \(event.message)")
    }
    var messages: [String] { lines.lock(); defer { lines.unlock() }; return stored }
}

struct FailingCollector: Collector {
    let name = "failing"
    func collect() throws -> [MetricFamily] { throw CollectorError("simulated failure") }
}

@Suite("NetstatCollector and Scraper")
struct NetstatCollectorTests {
    static let netstat = "TcpExt: ListenDrops\nTcpExt: 2\nMPTcpExt: MPCapableSYNRX MPCurrEstab\nMPTcpExt: 5 1\n"
    static let snmp = "Tcp: MaxConn ActiveOpens\nTcp: -1 9\n"

    @Test("reads <procfs>/net/netstat and snmp")
    func reads() throws {
        let tree = try FixtureTree()
        try tree.write("net/netstat", Self.netstat)
        try tree.write("net/snmp", Self.snmp)
        let families = try NetstatCollector(procfs: tree.root).collect()
        let byName = Dictionary(families.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["mptcp_ext_mp_capable_synrx_total"]?.samples.first?.value == .unsigned(5))
        #expect(byName["mptcp_ext_mp_curr_estab"]?.samples.first?.value == .unsigned(1))
        #expect(byName["mptcp_tcp_active_opens_total"]?.samples.first?.value == .unsigned(9))
        #expect(byName["mptcp_exporter_netstat_parse_issues"]?.samples.first?.value == .unsigned(0))
    }

    @Test("a missing file is a clear error naming the file and errno")
    func missingFile() throws {
        let tree = try FixtureTree()
        try tree.write("net/netstat", Self.netstat)
        #expect {
            try NetstatCollector(procfs: tree.root).collect()
        } throws: { error in
            "\(error)".contains("/net/snmp") && "\(error)".contains("ENOENT")
        }
    }

    @Test("a failing collector costs its own series only, logs once, and logs its recovery")
    func failureIsolatedAndLoggedOnce() async throws {
        let tree = try FixtureTree()
        let recorder = RecordingLogHandler()
        let logger = Logger(label: "test") { _ in recorder }
        let scraper = Scraper(collectors: [NetstatCollector(procfs: tree.root), FailingCollector()], logger: logger)

        let first = await scraper.scrape()
        _ = await scraper.scrape()
        #expect(first.failures.keys.sorted() == ["failing", "netstat"])
        let success = try #require(first.families.first { $0.name == "mptcp_exporter_scrape_collector_success" })
        #expect(success.samples.map(\.value) == [.unsigned(0), .unsigned(0)])
        #expect(first.families.contains { $0.name == "mptcp_exporter_build_info" })
        #expect(recorder.messages.filter { $0.hasPrefix("error") }.count == 2, "\(recorder.messages)")

        try tree.write("net/netstat", Self.netstat)
        try tree.write("net/snmp", Self.snmp)
        let third = await scraper.scrape()
        #expect(third.failures.keys.sorted() == ["failing"])
        #expect(third.families.contains { $0.name == "mptcp_ext_mp_capable_synrx_total" })
        #expect(recorder.messages.contains("info collector recovered"))

        try tree.remove("net/netstat")
        #expect(await scraper.scrape().failures.keys.sorted() == ["failing", "netstat"], "a file that vanishes is a failure again")
    }

    @Test("a file that cannot be parsed completely still serves what it could, and counts the problems")
    func partialParse() throws {
        let tree = try FixtureTree()
        try tree.write("net/netstat", "MPTcpExt: MPCapableSYNRX MPJoinSynRx\nMPTcpExt: 5 oops\nTcpExt: A B\nTcpExt: 1\n")
        try tree.write("net/snmp", Self.snmp)
        let families = try NetstatCollector(procfs: tree.root).collect()
        let byName = Dictionary(families.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["mptcp_ext_mp_capable_synrx_total"] != nil)
        #expect(byName["mptcp_ext_mp_join_syn_rx_total"] == nil)
        #expect(byName["mptcp_exporter_netstat_parse_issues"]?.samples.first?.value == .unsigned(2))
    }
}
