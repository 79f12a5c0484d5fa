import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// One exporter in the host namespace watching several namespaces at once.
    @Suite("Namespaces end to end", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                         "needs root, iproute2 and net.mptcp.enabled=1 for network namespaces"))
    struct NamespacesEndToEndTests {
        @Test("four namespaces with different MPTCP traffic: each one's values equal nstat and ss -M inside it; namespaces created and deleted between scrapes")
        func several() throws {
            let a = try NetnsLab(tag: "nsa")
            defer { a.destroy() }
            let b = try NetnsLab(tag: "nsb")
            defer { b.destroy() }
            // a: 2 MPTCP connections with 2 subflows, held; b: 3 that fall back to TCP, held, plus finished transfers.
            var held: [BackgroundProcess] = []
            defer { for process in held { process.stop() } }
            for (lab, connections, tcp) in [(a, 2, false), (b, 3, true)] {
                let sink = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", "\(lab.serverAddress(link: 1)):5201", "--timeout", "60"] + (tcp ? ["--tcp"] : []))
                held.append(sink)
                #expect(sink.waitForOutput(timeout: 10) { out, _ in out.contains("listening") })
                let client = try lab.spawn(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5201",
                                                        "--connections", "\(connections)", "--bytes", "50000", "--subflows", tcp ? "1" : "2",
                                                        "--hold", "40", "--timeout", "50"])
                held.append(client)
                #expect(client.waitForOutput(timeout: 15) { out, _ in out.contains("reached_subflows") })
            }
            try b.transfer(connections: 1, bytes: 100_000, subflows: 2, port: 5202)

            let exporter = try ExporterProcess(arguments: ["--namespaces.named"])
            let namespaces = [a.client, a.server, b.client, b.server]
            var compared = Set<String>()
            for _ in 0..<10 where compared.count < namespaces.count {
                let before = try Dictionary(uniqueKeysWithValues: namespaces.map { ($0, try Nstat.mptcp(namespace: $0)) })
                let samples = Exposition.parse(try exporter.scrape())
                for namespace in namespaces where !compared.contains(namespace) {
                    guard try Nstat.mptcp(namespace: namespace) == before[namespace] else { continue }
                    #expect(ServedState.counters(samples, namespace: namespace) == before[namespace], "\(namespace)")
                    let mptcpSockets = try SocketStatistics.mptcpConnections(namespace: namespace).count
                    let established = samples.first { $0.name == "mptcp_connections" && $0.labels["namespace"] == namespace && $0.labels["state"] == "established" }
                    #expect(established.map { Int($0.value) } == mptcpSockets, "\(namespace): connections vs ss -M")
                    compared.insert(namespace)
                }
            }
            #expect(compared.count == namespaces.count)
            let first = Exposition.parse(try exporter.scrape())
            #expect(first.first { $0.name == "mptcp_connections_fallback" && $0.labels["namespace"] == b.client }?.value == 3)
            #expect(first.first { $0.name == "mptcp_connections" && $0.labels["namespace"] == a.client && $0.labels["state"] == "established" }?.value == 2)
            #expect(first.contains { $0.name == "mptcp_namespace_info" && $0.labels["namespace"] == "host" })

            // mptcp-top and the report select one namespace, or show them all.
            let one = try Command.check([Products.top, "--netns", a.client, "--once"])
            #expect(one.split(separator: "\n").filter { $0.contains("ESTAB") }.count == 2, "\(one)")
            let all = try Command.check([Products.top, "--netns", "all", "--once", "--width", "200"])
            let rows = all.split(separator: "\n").filter { $0.contains("ESTAB") }
            #expect(rows.filter { $0.contains("[\(a.client)]") }.count == 2 && rows.filter { $0.contains("[\(b.client)]") }.count == 3, "\(all)")
            #expect(all.contains("ns all"))
            let report = try JSONSerialization.jsonObject(with: Data(try Command.check(
                [Products.exporter, "report", "--netns", b.client, "--interval", "0", "--events", "off", "--format", "json"]).utf8)) as? [String: Any]
            #expect((report?["connections"] as? [String: Any])?["fallback"] as? Int == 3)
            #expect((report?["findings"] as? [[String: Any]])?.contains { $0["id"] as? String == "active_open_fallback" } == true)
            let reports = try JSONSerialization.jsonObject(with: Data(try Command.check(
                [Products.exporter, "report", "--netns", "all", "--interval", "0", "--events", "off", "--format", "json"]).utf8)) as? [[String: Any]]
            let reported = Set((reports ?? []).compactMap { $0["namespace"] as? String })
            #expect(reported.isSuperset(of: [a.client, b.client, "host"]), "\(reported)")
            #expect((reports ?? []).allSatisfy { $0.keys.contains("owner") }, "every entry says whose namespace it is, or null")

            // Between two scrapes: one namespace appears, one disappears.
            let added = "mpx-nsnew-\(getpid())"
            try Command.check(["ip", "netns", "add", added], timeout: 300)
            defer { _ = try? Command.run(["ip", "netns", "del", added]) }
            b.destroyServer()
            let second = Exposition.parse(try exporter.scrape())
            #expect(second.first { $0.name == "mptcp_exporter_scrape_collector_success" && $0.labels["collector"] == "namespaces" }?.value == 1)
            let labels = Set(second.filter { $0.name == "mptcp_namespace_info" }.compactMap { $0.labels["namespace"] })
            #expect(labels.contains(added) && !labels.contains(b.server) && labels.contains(a.client))
            let failing = second.filter { $0.name == "mptcp_exporter_namespace_collector_success" && $0.value == 0 }
            #expect(failing.isEmpty, "\(failing.map(\.labels))")
            #expect(second.first { $0.name == "mptcp_kernel_mptcpext_counters" && $0.labels["namespace"] == added }?.value == 76)
        }
    }
}
