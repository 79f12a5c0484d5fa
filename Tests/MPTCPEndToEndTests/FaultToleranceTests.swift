#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport

/// Many scrapes at once, a collector that blocks, and a procfs that changes
/// under the exporter: the scrape is always served, the failure is a series,
/// and the exporter recovers when the fault ends.
@Suite("Concurrency and faults", .serialized)
struct FaultToleranceTests {
    /// A copy of the 6.18 fixture procfs that a test may change.
    final class ProcfsCopy {
        let root: String
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("mptcp-procfs-\(getpid())-\(UUID().uuidString)").path
            try Command.check(["cp", "-r", Golden.directory + "/procfs-6.18", root])
        }
        var netstatPath: String { root + "/net/netstat" }
        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    static let quiet = ["--no-collector.connections", "--no-collector.path-manager", "--collector.pm-events", "off"]

    static func value(_ samples: [ExposedSample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    @Test("50 simultaneous scrapes of the live kernel all get complete, consistent expositions")
    func simultaneousScrapes() throws {
        let exporter = try ExporterProcess(arguments: ["--collector.pm-events", "off"])
        let reference = Exposition.parse(try exporter.scrape())
        let referenceNames = Set(reference.map(\.name))
        let results = ResultsBox()
        DispatchQueue.concurrentPerform(iterations: 50) { index in
            do {
                let connection = try RawHTTPConnection(port: exporter.port)
                connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                guard let response = connection.readResponse(timeout: 30) else {
                    results.add(index, .failure("no whole response"))
                    return
                }
                results.add(index, .success((response.head, String(decoding: response.body, as: UTF8.self))))
            } catch {
                results.add(index, .failure("\(error)"))
            }
        }
        let all = results.all
        #expect(all.count == 50)
        for (index, result) in all {
            switch result {
            case let .failure(message):
                Issue.record("scrape \(index): \(message)")
            case let .success((head, body)):
                #expect(head.hasPrefix("HTTP/1.1 200"), "scrape \(index): \(head)")
                #expect(body.hasSuffix("\n"), "scrape \(index) ends mid-line")
                let samples = Exposition.parse(body)
                #expect(Set(samples.map(\.name)) == referenceNames, "scrape \(index) has other series than a lone scrape")
                let failed = samples.filter { $0.name == "mptcp_exporter_scrape_collector_success" && $0.value != 1 }
                #expect(failed.isEmpty, "scrape \(index): \(failed.map { $0.labels["collector"] ?? "" }) failed")
            }
        }
        // The same text validates as a Prometheus exposition.
        if let (_, body) = all.compactMap({ try? $0.1.get() }).first {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("concurrent-\(getpid()).prom").path
            try body.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let check = try Command.run(["sh", "-c", "promtool check metrics < \(file)"], timeout: 30)
            #expect(check.succeeded, "\(check.stdout)\(check.stderr)")
        }
    }

    @Test("a collector blocked in the kernel times out alone, is not started again while stuck, and recovers")
    func blockedCollector() throws {
        let procfs = try ProcfsCopy()
        let content = try String(contentsOfFile: procfs.netstatPath, encoding: .utf8)
        // A FIFO without a writer: open(2) blocks, as a hung file system would.
        try FileManager.default.removeItem(atPath: procfs.netstatPath)
        guard mkfifo(procfs.netstatPath, 0o600) == 0 else { throw Command.Failure(description: "mkfifo failed") }
        let exporter = try ExporterProcess(arguments: ["--path.procfs", procfs.root, "--collector.timeout", "1"] + Self.quiet)

        let started = Date()
        let first = Exposition.parse(try exporter.scrape())
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 5, "the scrape waited \(elapsed) s for a blocked collector")
        #expect(Self.value(first, "mptcp_exporter_scrape_collector_success", ["collector": "netstat"]) == 0)
        #expect(Self.value(first, "mptcp_exporter_scrape_collector_success", ["collector": "sysctl"]) == 1, "the other collectors are served")
        #expect(Self.value(first, "mptcp_sysctl_enabled") == 1)

        // While the call is stuck, scrapes do not queue behind it.
        for _ in 0..<5 {
            let again = Exposition.parse(try exporter.scrape())
            #expect(Self.value(again, "mptcp_exporter_scrape_collector_success", ["collector": "netstat"]) == 0)
        }
        #expect(exporter.process.stderr.contains("timed out after 1.0 s"))
        #expect(exporter.process.stderr.contains("still running after"))

        // The fault ends: a writer opens the FIFO, the stuck read completes.
        let saved = procfs.root + "/netstat.saved"
        try content.write(toFile: saved, atomically: true, encoding: .utf8)
        try Command.check(["sh", "-c", "cat \"$0\" > \"$1\"", saved, procfs.netstatPath], timeout: 10)
        try FileManager.default.removeItem(atPath: procfs.netstatPath)
        try content.write(toFile: procfs.netstatPath, atomically: true, encoding: .utf8)
        var recovered = false
        for _ in 0..<20 where !recovered {
            let samples = Exposition.parse(try exporter.scrape())
            recovered = Self.value(samples, "mptcp_exporter_scrape_collector_success", ["collector": "netstat"]) == 1
                && Self.value(samples, "mptcp_ext_mp_capable_synrx_total") == 3
            if !recovered { usleep(200_000) }
        }
        #expect(recovered)
        #expect(exporter.process.stderr.contains("msg=\"collector recovered\" collector=netstat"))
    }

    @Test("/api/v1/snapshot with a source blocked in the kernel answers within its deadline naming it, /metrics keeps answering, SIGTERM ends the exporter")
    func blockedSnapshot() throws {
        let procfs = try ProcfsCopy()
        // A FIFO without a writer: open(2) blocks, as a hung file system would.
        try FileManager.default.removeItem(atPath: procfs.netstatPath)
        guard mkfifo(procfs.netstatPath, 0o600) == 0 else { throw Command.Failure(description: "mkfifo failed") }
        let exporter = try ExporterProcess(arguments: ["--path.procfs", procfs.root, "--collector.timeout", "1"] + Self.quiet)

        // curl gives up after 8 s: an answer at all is the deadline kept (it never came before).
        let first = try exporter.request("/api/v1/snapshot", curlOptions: ["--max-time", "8"])
        #expect(first.status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [String: Any] ?? [:]
        let errors = json["errors"] as? [String] ?? []
        #expect(errors.contains { $0.hasPrefix("counters: timed out after 1.0 s") }, "\(errors)")
        #expect(json["mptcp_enabled"] as? Bool == true, "the other sources are still read")
        #expect((json["counters"] as? [String: Any])?.isEmpty ?? true)

        // While the read is stuck, the next answer does not queue behind it.
        let second = try exporter.request("/api/v1/snapshot", curlOptions: ["--max-time", "8"])
        let again = (try JSONSerialization.jsonObject(with: Data(second.body.utf8)) as? [String: Any])?["errors"] as? [String] ?? []
        #expect(again.contains { $0.hasPrefix("counters: still running after") }, "\(again)")
        let metrics = Exposition.parse(try exporter.scrape())
        #expect(Self.value(metrics, "mptcp_exporter_scrape_collector_success", ["collector": "sysctl"]) == 1)

        exporter.process.signal(SIGTERM)
        #expect(exporter.process.waitForExit(timeout: 15), "SIGTERM must end the exporter while a read is stuck")
        #expect(exporter.process.stderr.contains("msg=stopped"))
    }

    @Test("counters that go backwards or past 2^64, files that vanish and come back: served as read, failure as a series, then recovery")
    func changingProcfs() throws {
        let procfs = try ProcfsCopy()
        let original = try String(contentsOfFile: procfs.netstatPath, encoding: .utf8)
        let exporter = try ExporterProcess(arguments: ["--path.procfs", procfs.root] + Self.quiet)
        #expect(Self.value(Exposition.parse(try exporter.scrape()), "mptcp_ext_mp_capable_synrx_total") == 3)

        // The kernel's counters reset (a namespace recreated): served as read; Prometheus' rate() handles resets.
        try Self.replaceValue(in: procfs.netstatPath, original: original, counter: "MPCapableSYNRX", with: "1")
        #expect(Self.value(Exposition.parse(try exporter.scrape()), "mptcp_ext_mp_capable_synrx_total") == 1)

        // Wrapped at 2^64: the largest value is served, one beyond is a parse issue for that field only.
        try Self.replaceValue(in: procfs.netstatPath, original: original, counter: "MPCapableSYNRX", with: "18446744073709551615")
        let wrapped = Exposition.parse(try exporter.scrape())
        #expect(wrapped.first { $0.name == "mptcp_ext_mp_capable_synrx_total" }?.valueText == "18446744073709551615")
        try Self.replaceValue(in: procfs.netstatPath, original: original, counter: "MPCapableSYNRX", with: "18446744073709551616")
        let beyond = Exposition.parse(try exporter.scrape())
        #expect(Self.value(beyond, "mptcp_ext_mp_capable_synrx_total") == nil)
        #expect(Self.value(beyond, "mptcp_ext_mp_capable_synackrx_total") != nil, "the other counters are still served")
        #expect(Self.value(beyond, "mptcp_exporter_scrape_collector_success", ["collector": "netstat"]) == 1)

        // The file vanishes (module unloaded, procfs unmounted): one failing series; it comes back: recovery.
        try FileManager.default.removeItem(atPath: procfs.netstatPath)
        let missing = Exposition.parse(try exporter.scrape())
        #expect(Self.value(missing, "mptcp_exporter_scrape_collector_success", ["collector": "netstat"]) == 0)
        #expect(Self.value(missing, "mptcp_exporter_scrape_collector_success", ["collector": "sysctl"]) == 1)
        try FileManager.default.removeItem(atPath: procfs.root + "/sys/net/mptcp")
        let noSysctl = Exposition.parse(try exporter.scrape())
        #expect(Self.value(noSysctl, "mptcp_exporter_scrape_collector_success", ["collector": "sysctl"]) == 0)
        try original.write(toFile: procfs.netstatPath, atomically: true, encoding: .utf8)
        let back = Exposition.parse(try exporter.scrape())
        #expect(Self.value(back, "mptcp_exporter_scrape_collector_success", ["collector": "netstat"]) == 1)
        #expect(Self.value(back, "mptcp_ext_mp_capable_synrx_total") == 3)

        // Truncated mid-line and emptied while being written.
        try String(original.prefix(original.count / 2)).write(toFile: procfs.netstatPath, atomically: true, encoding: .utf8)
        #expect(try exporter.request("/metrics").status == 200)
        try "".write(toFile: procfs.netstatPath, atomically: true, encoding: .utf8)
        #expect(try exporter.request("/metrics").status == 200)
        #expect(exporter.process.isRunning)
    }

    /// Rewrites the value of one MPTcpExt counter, found by header name.
    static func replaceValue(in path: String, original: String, counter: String, with value: String) throws {
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.firstIndex(where: { $0.hasPrefix("MPTcpExt:") && $0.split(separator: " ").contains { $0 == counter } }),
              header + 1 < lines.count else { throw Command.Failure(description: "no MPTcpExt header") }
        let names = lines[header].split(separator: " ")
        var values = lines[header + 1].split(separator: " ").map(String.init)
        guard let index = names.firstIndex(where: { $0 == counter }) else { throw Command.Failure(description: "no \(counter)") }
        values[index] = value
        lines[header + 1] = values.joined(separator: " ")
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// Results of concurrent requests, by index.
final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: Result<(String, String), ScrapeFailure>] = [:]

    func add(_ index: Int, _ result: Result<(String, String), ScrapeFailure>) {
        lock.lock(); defer { lock.unlock() }
        results[index] = result
    }

    var all: [(Int, Result<(String, String), ScrapeFailure>)] {
        lock.lock(); defer { lock.unlock() }
        return results.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

struct ScrapeFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Result where Failure == ScrapeFailure {
    static func failure(_ message: String) -> Self { .failure(ScrapeFailure(message)) }
}
