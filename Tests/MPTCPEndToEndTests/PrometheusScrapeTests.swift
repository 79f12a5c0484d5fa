import Foundation
import Testing
import TestSupport

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
}
