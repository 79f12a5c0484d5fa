import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// The connections collector against real MPTCP connections held open in
    /// namespaces, compared with `ss -M` and `ss -ti` at the same moment.
    @Suite("Connections end to end", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                          "needs root, iproute2 (ip, ss) and net.mptcp.enabled=1 for network namespaces"))
    struct ConnectionsEndToEndTests {
        struct Held {
            var processes: [BackgroundProcess]
            func stop() { for process in processes { process.stop(grace: 2) } }
        }

        /// 50 MPTCP connections with 2 subflows over IPv4, one over IPv6, one to a
        /// plain TCP server; every connection held open `hold` seconds.
        static func holdConnections(_ lab: NetnsLab, hold: Int = 40) throws -> Held {
            var processes: [BackgroundProcess] = []
            let server4 = "\(lab.serverAddress(link: 1)):5201", server6 = "[\(lab.serverAddress6(link: 1))]:5201"
            let plain = "\(lab.serverAddress(link: 1)):5301"
            for (address, tcp) in [(server4, false), (server6, false), (plain, true)] {
                let sink = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", address, "--timeout", "\(hold + 20)"] + (tcp ? ["--tcp"] : []))
                processes.append(sink)
                guard sink.waitForOutput(timeout: 10, { out, _ in out.contains("listening") }) else {
                    throw Command.Failure(description: "sink did not start: \(sink.stderr)")
                }
            }
            for (address, count, subflows) in [(server4, 50, 2), (server6, 1, 2), (plain, 1, 1)] {
                processes.append(try lab.spawn(lab.client, [
                    Products.loadgen, "client", "--connect", address, "--connections", "\(count)", "--bytes", "100000",
                    "--subflows", "\(subflows)", "--hold", "\(hold)", "--timeout", "\(hold + 15)",
                ]))
            }
            return Held(processes: processes)
        }

        @Test("50 connections with 2 subflows, one IPv6, one fallen back: counts, tokens and 4-tuples equal ss -M and ss -ti")
        func equalsSS() throws {
            let lab = try NetnsLab(tag: "conn")
            defer { lab.destroy() }
            let held = try Self.holdConnections(lab)
            defer { held.stop() }
            let exporter = try ExporterProcess(namespace: lab.client, arguments: [
                "--collector.connections.per-connection", "--collector.connections.max-connections", "1000"])

            // Wait until every connection is up with its subflows.
            var subflows = Set<SocketStatistics.SubflowLine>()
            for _ in 0..<100 {
                subflows = try SocketStatistics.subflows(namespace: lab.client)
                if subflows.count == 50 * 2 + 2 + 1 { break }
                usleep(100_000)
            }
            #expect(subflows.count == 103)

            var compared = false
            for _ in 0..<10 {
                let connectionsBefore = try SocketStatistics.mptcpConnections(namespace: lab.client)
                let subflowsBefore = try SocketStatistics.subflows(namespace: lab.client)
                let samples = Exposition.parse(try exporter.scrape())
                let connectionsAfter = try SocketStatistics.mptcpConnections(namespace: lab.client)
                let subflowsAfter = try SocketStatistics.subflows(namespace: lab.client)
                guard connectionsBefore == connectionsAfter, subflowsBefore == subflowsAfter else { continue }
                compared = true

                #expect(connectionsBefore.count == 52)
                let established = samples.first { $0.name == "mptcp_connections" && $0.labels["state"] == "established" }?.value
                #expect(established == 52)
                #expect(samples.first { $0.name == "mptcp_connections_fallback" }?.value == 1)

                let info = samples.filter { $0.name == "mptcp_connection_info" }
                #expect(Set(info.map { "\($0.labels["local"] ?? "") -> \($0.labels["remote"] ?? "")" }) == connectionsBefore)
                #expect(Set(info.compactMap { $0.labels["token"] }) == Set(subflowsBefore.map(\.localToken)))

                let served = Set(samples.filter { $0.name == "mptcp_subflow_info" }.map {
                    SocketStatistics.SubflowLine(localToken: $0.labels["token"] ?? "", local: $0.labels["local"] ?? "", remote: $0.labels["remote"] ?? "")
                })
                #expect(served == subflowsBefore)
                for sample in samples where sample.name == "mptcp_connection_subflows" {
                    let token = sample.labels["token"] ?? ""
                    #expect(Int(sample.value) == subflowsBefore.filter { $0.localToken == token }.count, "\(token)")
                }
                #expect(samples.first { $0.name == "mptcp_connections_by_subflows" && $0.labels["subflows"] == "2" }?.value == 51)
                #expect(samples.first { $0.name == "mptcp_connections_by_subflows" && $0.labels["subflows"] == "1" }?.value == 1)
                #expect(samples.first { $0.name == "mptcp_subflows" && $0.labels["role"] == "join" && $0.labels["priority"] == "active" }?.value == 51)
                #expect(samples.first { $0.name == "mptcp_subflows_by_interface" && $0.labels["interface"] == "c2" }?.value == 51)
                #expect(samples.first { $0.name == "mptcp_subflows_by_interface" && $0.labels["interface"] == "c1" }?.value == 52)
                let acked = samples.first { $0.name == "mptcp_interface_bytes_acked_total" && $0.labels["interface"] == "c1" }?.value ?? 0
                #expect(acked > 0)
                break
            }
            #expect(compared, "ss never read the same twice around a scrape")
        }

        @Test("unprivileged (uid 65534): connections, tokens and subflows still served; what is hidden is said")
        func unprivileged() throws {
            try #require(Command.which("setpriv") != nil, "setpriv (util-linux) is needed")
            let lab = try NetnsLab(tag: "unpriv")
            defer { lab.destroy() }
            let held = try Self.holdConnections(lab, hold: 20)
            defer { held.stop() }
            let exporter = try ExporterProcess(namespace: lab.client, arguments: ["--collector.connections.per-connection"],
                                               wrapper: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
            var samples: [ExposedSample] = []
            for _ in 0..<100 {
                samples = Exposition.parse(try exporter.scrape())
                if samples.first(where: { $0.name == "mptcp_connections" && $0.labels["state"] == "established" })?.value == 52,
                   samples.filter({ $0.name == "mptcp_subflow_info" }).count == 103 { break }
                usleep(100_000)
            }
            #expect(samples.first { $0.name == "mptcp_exporter_scrape_collector_success" && $0.labels["collector"] == "connections" }?.value == 1)
            #expect(samples.first { $0.name == "mptcp_connections" && $0.labels["state"] == "established" }?.value == 52)
            #expect(samples.filter { $0.name == "mptcp_subflow_info" }.count == 103)
            #expect(samples.first { $0.name == "mptcp_exporter_connections_missing_fields" && $0.labels["field"] == "subflow_sequence" }?.value == 1)
            #expect(samples.first { $0.name == "mptcp_exporter_connections_missing_fields" && $0.labels["field"] == "subflow_context" }?.value == 0)
            #expect(exporter.process.stderr.contains("hides some MPTCP connection fields"))
        }
    }
}
