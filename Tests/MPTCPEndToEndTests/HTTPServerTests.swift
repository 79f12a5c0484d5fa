import Foundation
import Testing
import TestSupport

@Suite("HTTP server", .serialized)
struct HTTPServerTests {
    static var fixture: [String] { ["--path.procfs", Golden.directory + "/procfs-6.18", "--no-collector.connections", "--no-collector.path-manager", "--collector.pm-events", "off"] }

    @Test("GET, HEAD, gzip, landing page, 404 and 405")
    func routes() throws {
        let exporter = try ExporterProcess(arguments: Self.fixture)
        let plain = try exporter.request("/metrics")
        #expect(plain.status == 200)
        #expect(plain.headers.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))

        let gzip = try exporter.request("/metrics", curlOptions: ["--compressed"])
        #expect(gzip.headers.lowercased().contains("content-encoding: gzip"))
        #expect(Golden.normalise(gzip.body) == Golden.normalise(plain.body))

        let head = try exporter.request("/metrics", curlOptions: ["-I"])
        #expect(head.status == 200)
        #expect(!head.body.contains("# HELP"), "HEAD sends no body")
        // Same length as a GET, but for the digits of the collector duration.
        let length = head.headers.split(separator: "\r\n").first { $0.hasPrefix("Content-Length: ") }
            .flatMap { Int($0.dropFirst("Content-Length: ".count)) }
        #expect(length.map { abs($0 - plain.body.utf8.count) < 16 } == true, "\(head.headers)")

        let query = try exporter.request("/metrics?collect[]=netstat")
        #expect(query.status == 200)

        let landing = try exporter.request("/")
        #expect(landing.status == 200)
        #expect(landing.body.contains("href=\"/metrics\""))

        #expect(try exporter.request("/nothing-here").status == 404)
        let post = try exporter.request("/metrics", curlOptions: ["-X", "POST"])
        #expect(post.status == 405)
        #expect(post.headers.contains("Allow: GET, HEAD"))
        #expect(try exporter.request("/", curlOptions: ["-X", "DELETE"]).status == 405)
    }

    @Test("--web.telemetry-path moves the metrics")
    func telemetryPath() throws {
        let exporter = try ExporterProcess(arguments: Self.fixture + ["--web.telemetry-path", "/mptcp"])
        #expect(try exporter.request("/mptcp").status == 200)
        #expect(try exporter.request("/metrics").status == 404)
    }

    @Test("IPv6 listen address")
    func ipv6() throws {
        let exporter = try BackgroundProcess([Products.exporter, "--web.listen-address", "[::1]:0"] + Self.fixture)
        defer { exporter.stop() }
        var port: Int?
        _ = exporter.waitForOutput(timeout: 20) { _, err in
            port = err.split(separator: "\n").first { $0.contains("msg=listening") }
                .flatMap { $0.split(separator: ":").last }.flatMap { Int($0.prefix { $0.isNumber }) }
            return port != nil
        }
        let bound = try #require(port, "no listening line: \(exporter.stderr)")
        let output = try Command.check(["curl", "-sS", "--max-time", "10", "http://[::1]:\(bound)/metrics"])
        #expect(output.contains("mptcp_ext_mp_capable_synrx_total 3"))
    }

    @Test("a collector that cannot read its files reports success 0; the scrape is served")
    func failingCollector() throws {
        let exporter = try ExporterProcess(arguments: ["--path.procfs", "/nonexistent-procfs", "--no-collector.connections", "--no-collector.path-manager", "--collector.pm-events", "off"])
        let samples = Exposition.parse(try exporter.scrape())
        #expect(samples.first { $0.name == "mptcp_exporter_scrape_collector_success" }?.labels["collector"] == "netstat")
        #expect(samples.first { $0.name == "mptcp_exporter_scrape_collector_success" }?.value == 0)
        #expect(samples.contains { $0.name == "mptcp_exporter_build_info" })
        _ = try exporter.scrape()
        exporter.process.stop()
        let failures = exporter.process.stderr.split(separator: "\n")
            .filter { $0.contains("msg=\"collector failed\"") && $0.contains("collector=netstat") }
        #expect(failures.count == 1, "logged once, not per scrape")
        #expect(failures.first?.contains("ENOENT") == true)
    }

    @Test("SIGTERM and SIGINT stop the server cleanly", arguments: [SIGTERM, SIGINT])
    func signals(signal: Int32) throws {
        let exporter = try ExporterProcess(arguments: Self.fixture)
        _ = try exporter.scrape()
        exporter.process.signal(signal)
        #expect(exporter.process.waitForExit(timeout: 10))
        #expect(exporter.process.exitStatus == 0)
        #expect(exporter.process.stderr.contains("msg=stopped"))
    }

    @Test("bad flags are refused with a clear message")
    func badFlags() throws {
        let result = try Command.run([Products.exporter, "--web.listen-address", "nonsense"], timeout: 20)
        #expect(result.status != 0)
        #expect(result.stderr.contains("expected host:port"))
        let root = try Command.run([Products.exporter, "--help"], timeout: 20)
        #expect(root.stdout.contains("serve (default)"))
        let help = try Command.run([Products.exporter, "serve", "--help"], timeout: 20)
        for flag in ["--web.listen-address", "--web.telemetry-path", "--path.procfs", "--log.level"] {
            #expect(help.stdout.contains(flag))
        }
    }
}

@Suite("diagrams subcommand")
struct DiagramsCommandTests {
    @Test("draws the diagrams with the values of a procfs tree")
    func withValues() throws {
        let output = try Command.check([Products.exporter, "diagrams", "--path.procfs", Golden.directory + "/procfs-6.18"])
        let line = try #require(output.split(separator: "\n").first { $0.contains("MPCapableSYNRX") })
        #expect(line.hasSuffix(" 3"))
        #expect(output.contains("MP_JOIN, accepting subflows"))
    }

    @Test("says clearly when the kernel has no MPTCP counters")
    func noSection() throws {
        let result = try Command.run([Products.exporter, "diagrams", "--path.procfs", "/nonexistent"], timeout: 20)
        #expect(result.status != 0)
        #expect(result.stderr.contains("ENOENT"))
    }
}
