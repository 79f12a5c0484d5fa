import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// The exporter against real MPTCP traffic in network namespaces, compared
    /// with what nstat says about the same namespace.
    @Suite("Real kernel", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                              "needs root, iproute2 (ip, nstat) and net.mptcp.enabled=1 for network namespaces"))
    struct RealKernelTests {
        /// Every MPTcpExt value the exporter serves equals `nstat -az` in the same
        /// namespace. Counters can still move just after the traffic (subflows
        /// closing), so it retries until nstat reads the same before and after
        /// the scrape.
        static func compareWithNstat(_ exporter: ExporterProcess, namespace: String) throws -> (served: [String: UInt64], nstat: [String: UInt64]) {
            for _ in 0..<20 {
                let before = try Nstat.mptcp(namespace: namespace)
                let samples = Exposition.parse(try exporter.scrape())
                let after = try Nstat.mptcp(namespace: namespace)
                guard before == after else { usleep(200_000); continue }
                return (ServedState.counters(samples), after)
            }
            throw Command.Failure(description: "MPTcpExt counters in \(namespace) never settled")
        }

        @Test("after a 2-subflow transfer, every MPTcpExt value served equals nstat -az, on both hosts")
        func countersEqualNstat() throws {
            let lab = try NetnsLab(tag: "ctr")
            defer { lab.destroy() }
            let clientExporter = try ExporterProcess(namespace: lab.client)
            let serverExporter = try ExporterProcess(namespace: lab.server)

            let report = try lab.transfer(connections: 2, bytes: 4 << 20, subflows: 2)
            #expect(report.contains("\"reached_subflows\":2"), "\(report)")

            let client = try Self.compareWithNstat(clientExporter, namespace: lab.client)
            #expect(client.served.count == client.nstat.count)
            #expect(client.served.count >= 46)
            #expect(client.served == client.nstat)
            #expect((client.nstat["MPCapableSYNTX"] ?? 0) >= 2)
            #expect((client.nstat["MPJoinSynTx"] ?? 0) >= 2, "the second subflows were opened")
            #expect((client.nstat["MPJoinSynAckRx"] ?? 0) >= 2)

            let server = try Self.compareWithNstat(serverExporter, namespace: lab.server)
            #expect(server.served == server.nstat)
            #expect((server.nstat["MPCapableSYNRX"] ?? 0) >= 2)
            #expect((server.nstat["MPJoinSynRx"] ?? 0) >= 2)
            #expect((server.nstat["MPJoinAckRx"] ?? 0) >= 2)

            // The TCP counters they are read against match nstat too.
            let tcp = try Nstat.absolute(namespace: lab.client)
            let samples = Exposition.parse(try clientExporter.scrape())
            let after = try Nstat.absolute(namespace: lab.client)
            for (nstatName, series) in [("TcpActiveOpens", "mptcp_tcp_active_opens_total"), ("TcpPassiveOpens", "mptcp_tcp_passive_opens_total")] {
                guard tcp[nstatName] == after[nstatName] else { continue }
                #expect(samples.first { $0.name == series }.flatMap { UInt64($0.valueText) } == tcp[nstatName], "\(nstatName)")
            }
        }

        @Test("MPCurrEstab is a gauge that follows open connections")
        func currEstabGauge() throws {
            let lab = try NetnsLab(tag: "est")
            defer { lab.destroy() }
            let exporter = try ExporterProcess(namespace: lab.client)
            let sink = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", "\(lab.serverAddress(link: 1)):5202", "--timeout", "30", "--max-connections", "3"])
            defer { sink.stop() }
            #expect(sink.waitForOutput(timeout: 10) { out, _ in out.contains("listening") })
            let client = try lab.spawn(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5202",
                                                    "--connections", "3", "--bytes", "65536", "--subflows", "2", "--hold", "3", "--timeout", "20"])
            defer { client.stop() }
            var open: Double = 0
            for _ in 0..<50 {
                open = Exposition.parse(try exporter.scrape()).first { $0.name == "mptcp_ext_mp_curr_estab" }?.value ?? 0
                if open == 3 { break }
                usleep(100_000)
            }
            #expect(open == 3)
            #expect(client.waitForExit(timeout: 30))
            var closed: Double = -1
            for _ in 0..<50 {
                closed = Exposition.parse(try exporter.scrape()).first { $0.name == "mptcp_ext_mp_curr_estab" }?.value ?? -1
                if closed == 0 { break }
                usleep(100_000)
            }
            #expect(closed == 0)
        }
    }
}
