import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// A real Prometheus server scrapes the exporter inside a namespace that
    /// carried MPTCP traffic, and its HTTP API returns what nstat says.
    @Suite("Prometheus scrape", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                     "needs root, iproute2 (ip, nstat) and net.mptcp.enabled=1 for network namespaces"))
    struct PrometheusScrapeTests {
        @Test("Prometheus finds the target up and stores the counters nstat reports")
        func prometheusScrapes() throws {
            try #require(Requirements.hasPrometheus, "prometheus is needed (apt-get install prometheus)")
            let lab = try NetnsLab(tag: "prom")
            defer { lab.destroy() }
            try lab.transfer(connections: 3, bytes: 1 << 20, subflows: 2)
            let exporter = try ExporterProcess(namespace: lab.client)
            let prometheus = try PrometheusServer(namespace: lab.client, targets: ["127.0.0.1:\(exporter.port)"])

            #expect(prometheus.waitForTargetsUp() == ["up"], "\(prometheus.process.stderr.suffix(2000))")
            let nstat = try Nstat.mptcp(namespace: lab.client)
            for (counter, series) in [("MPCapableSYNTX", "mptcp_ext_mp_capable_syntx_total"),
                                      ("MPCapableSYNACKRX", "mptcp_ext_mp_capable_synackrx_total"),
                                      ("MPJoinSynTx", "mptcp_ext_mp_join_syn_tx_total")] {
                let expected = try #require(nstat[counter])
                #expect(expected > 0)
                var stored: String?
                for _ in 0..<40 {
                    stored = try prometheus.queryValue(series)
                    if stored == String(expected) { break }
                    usleep(250_000)
                }
                #expect(stored == String(expected), "\(series) in Prometheus vs nstat \(counter)")
            }
            let info = try prometheus.queryValue("count(mptcp_ext_info{diagram=\"mp_capable_active\"})")
            #expect(info.flatMap(Int.init).map { $0 >= 6 } == true)
            #expect(try prometheus.queryValue("mptcp_exporter_scrape_collector_success{collector=\"netstat\"}") == "1")
        }

        @Test("two Prometheus jobs on one exporter: collect[] for a cheap frequent one, exclude[] for a detailed one")
        func collectorSelection() throws {
            try #require(Requirements.hasPrometheus, "prometheus is needed (apt-get install prometheus)")
            let lab = try NetnsLab(tag: "select")
            defer { lab.destroy() }
            try lab.transfer(connections: 2, bytes: 100_000, subflows: 2)
            let exporter = try ExporterProcess(namespace: lab.client)
            let configuration = """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: cheap
                    params:
                      collect[]: [netstat]
                    static_configs:
                      - targets: ["127.0.0.1:\(exporter.port)"]
                  - job_name: detailed
                    scrape_interval: 2s
                    scrape_timeout: 2s
                    params:
                      exclude[]: [netstat]
                    static_configs:
                      - targets: ["127.0.0.1:\(exporter.port)"]
                """
            let prometheus = try PrometheusServer(namespace: lab.client, configuration: configuration)
            #expect(prometheus.waitForTargetsUp() == ["up", "up"], "\(prometheus.process.stderr.suffix(2000))")
            usleep(2_500_000)
            func count(_ selector: String) throws -> Int {
                Int(try prometheus.queryValue("count(\(selector)) or vector(0)") ?? "0") ?? -1
            }
            #expect(try count("mptcp_ext_mp_capable_syntx_total{job=\"cheap\"}") == 1)
            #expect(try count("mptcp_connections{job=\"cheap\"}") == 0)
            #expect(try count("mptcp_exporter_scrape_collector_success{job=\"cheap\"}") == 1)
            #expect(try count("mptcp_connections{job=\"detailed\"}") > 0)
            #expect(try count("mptcp_ext_mp_capable_syntx_total{job=\"detailed\"}") == 0)
            #expect(try count("mptcp_exporter_scrape_collector_success{job=\"detailed\",collector=\"netstat\"}") == 0)
            #expect(try count("mptcp_exporter_scrape_collector_success{job=\"detailed\"}") >= 3)
            let unknown = try exporter.request("/metrics?collect[]=cpu")
            #expect(unknown.status == 400 && unknown.body.contains("unknown collector \"cpu\""))
        }

        @Test("Prometheus with the example configuration and the recording rules: the recorded ratios come out as the counters say")
        func recordingRules() throws {
            try #require(Requirements.hasPrometheus, "prometheus is needed (apt-get install prometheus)")
            let lab = try NetnsLab(tag: "rules")
            defer { lab.destroy() }
            // The example configuration as shipped (it scrapes localhost:9262, which
            // is free in a new namespace), with one-second intervals for the test.
            let exporter = try BackgroundProcess(["ip", "netns", "exec", lab.client, Products.exporter])
            defer { exporter.stop() }
            #expect(exporter.waitForOutput(timeout: 20) { _, err in err.contains("address=:9262") })
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let example = try String(contentsOf: root.appendingPathComponent("deploy/prometheus.yml"), encoding: .utf8)
            let rules = try String(contentsOf: root.appendingPathComponent("dashboards/mptcp-rules.yml"), encoding: .utf8)
            // The probe job (tested in the probe suite) asks for /probe, which this exporter does not serve.
            let scrapeOnly = example.components(separatedBy: "\n  # MPTCP probes")[0]
            let configuration = scrapeOnly
                .replacingOccurrences(of: "scrape_interval: 15s", with: "scrape_interval: 1s")
                .replacingOccurrences(of: "scrape_timeout: 10s", with: "scrape_timeout: 1s")
                .replacingOccurrences(of: "evaluation_interval: 30s", with: "evaluation_interval: 1s")
                .replacingOccurrences(of: "../dashboards/mptcp-rules.yml", with: "mptcp-rules.yml")
            #expect(configuration.contains("localhost:9262") && configuration.contains("rule_files"))
            let prometheus = try PrometheusServer(namespace: lab.client, configuration: configuration,
                                                  files: ["mptcp-rules.yml": rules.replacingOccurrences(of: "interval: 30s", with: "interval: 1s")])
            #expect(prometheus.waitForTargetsUp() == ["up"], "\(prometheus.process.stderr.suffix(2000))")
            usleep(2_500_000)

            // 4 MPTCP connections (each with a join), 2 to a plain TCP server (fallback).
            try lab.transfer(connections: 4, bytes: 100_000, subflows: 2)
            try lab.transfer(connections: 2, bytes: 100_000, subflows: 1, port: 5301, plainTCPServer: true)
            let nstat = try Nstat.mptcp(namespace: lab.client)
            let syntx = Double(nstat["MPCapableSYNTX"] ?? 0), fallback = Double(nstat["MPCapableFallbackSYNACK"] ?? 0)
            let synackrx = Double(nstat["MPCapableSYNACKRX"] ?? 0)
            let joinTx = Double(nstat["MPJoinSynTx"] ?? 0), joinAck = Double(nstat["MPJoinSynAckRx"] ?? 0)
            #expect(syntx == 6 && fallback == 2 && synackrx == 4)

            func recorded(_ name: String, expected: Double) throws {
                var value: Double?
                for _ in 0..<60 {
                    value = try prometheus.queryValue(name).flatMap(Double.init)
                    if let value, abs(value - expected) < 1e-9 { break }
                    usleep(250_000)
                }
                let matches: Bool = value.map { abs($0 - expected) < 1e-9 } ?? false
                let shown: String = value.map { String($0) } ?? "absent"
                #expect(matches, "\(name): \(shown) vs \(expected) from nstat")
            }
            try recorded("mptcp:active_open_fallback_ratio:rate5m", expected: fallback / syntx)
            try recorded("mptcp:active_open_success_ratio:rate5m", expected: synackrx / syntx)
            try recorded("mptcp:join_initiated_success_ratio:rate5m", expected: joinAck / joinTx)
            #expect(try prometheus.queryValue("ALERTS{alertname=\"MPTCPExporterCollectorFailing\"}") == nil)
        }
    }
}
