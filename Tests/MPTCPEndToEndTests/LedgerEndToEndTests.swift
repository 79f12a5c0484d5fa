import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// The subflow ledger against real MPTCP: hundreds of connections open,
    /// send a known number of bytes over two subflows and close between two
    /// scrapes; the exporter's per-interface totals equal the final values the
    /// kernel reported (`ss -E`, listening to the same notifications), and
    /// its histograms count what the test did.
    @Suite("Subflow ledger end to end", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                            "needs root, iproute2 and net.mptcp.enabled=1 for network namespaces"))
    struct LedgerEndToEndTests {
        static let v4Connections = 200, v4Bytes = 10_000
        static let v6Connections = 50, v6Bytes = 20_000
        static let killedConnections = 30, killedBytes = 5_000

        static func value(_ samples: [ExposedSample], _ name: String, _ labels: [String: String] = [:]) -> Double {
            samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value ?? -1
        }

        /// `ss -E -tin` in the client namespace: the kernel's own account of
        /// every TCP socket freed there while it runs.
        struct FreedSockets {
            let lab: NetnsLab
            let process: BackgroundProcess

            init(_ lab: NetnsLab) throws {
                self.lab = lab
                process = try lab.spawn(lab.client, ["stdbuf", "-oL", "ss", "-E", "-t", "-i", "-n", "-H"])
            }

            /// Stops listening; the final bytes_acked of the lab's subflows
            /// (local address on a lab link), summed by local interface over
            /// every socket, also two with one four-tuple.
            func stop() -> [String: Double] {
                process.stop()
                var totals: [String: Double] = [:]
                for (tuple, words) in SocketStatistics.sockets(in: process.stdout) {
                    guard let acked = words["bytes_acked"].flatMap(Double.init) else { continue }
                    for link in 1...2 where tuple.local.hasPrefix(lab.clientAddress(link: link) + ":")
                        || tuple.local.hasPrefix("[\(lab.clientAddress6(link: link))]:") {
                        totals["c\(link)", default: 0] += acked
                    }
                }
                return totals
            }
        }

        /// Runs the three groups of connections to completion.
        static func churn(_ lab: NetnsLab) throws {
            var servers: [BackgroundProcess] = []
            defer { for server in servers { server.stop() } }
            let total = v4Connections + killedConnections
            for (listen, count) in [("\(lab.serverAddress(link: 1)):5201", total), ("[\(lab.serverAddress6(link: 1))]:5202", v6Connections)] {
                let server = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", listen, "--timeout", "60",
                                                        "--max-connections", "\(count)"])
                servers.append(server)
                #expect(server.waitForOutput(timeout: 10) { out, _ in out.contains("listening") })
            }
            // Held open while their joins are killed: those subflows end with an error, not with their connection.
            let held = try lab.spawn(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5201",
                                                  "--connections", "\(killedConnections)", "--bytes", "\(killedBytes)",
                                                  "--subflows", "2", "--hold", "3", "--timeout", "40"])
            #expect(held.waitForOutput(timeout: 20) { out, _ in out.contains("reached_subflows\":\(killedConnections)") }, "\(held.stdout)")
            try lab.exec(lab.client, ["ss", "-K", "-t", "src", lab.clientAddress(link: 2)])
            try lab.exec(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5201",
                                      "--connections", "\(v4Connections)", "--bytes", "\(v4Bytes)", "--subflows", "2", "--timeout", "40"], timeout: 60)
            try lab.exec(lab.client, [Products.loadgen, "client", "--connect", "[\(lab.serverAddress6(link: 1))]:5202",
                                      "--connections", "\(v6Connections)", "--bytes", "\(v6Bytes)", "--subflows", "2", "--timeout", "40"], timeout: 60)
            #expect(held.waitForExit(timeout: 30))
            for server in servers { #expect(server.waitForExit(timeout: 20), "the server saw every connection close") }
        }

        @Test("hundreds of connections between two scrapes: bytes per interface exactly as the kernel's final values, histograms and ends as caused")
        func betweenScrapes() throws {
            let lab = try NetnsLab(tag: "ldg")
            defer { lab.destroy() }
            let exporter = try ExporterProcess(namespace: lab.client, arguments: ["--collector.connections.closed-kept", "1000"])
            defer { exporter.process.stop() }
            #expect(exporter.process.stderr.contains("receiving TCP destroy notifications"))
            let before = Exposition.parse(try exporter.scrape())
            #expect(Self.value(before, "mptcp_ledger_available") == 1)
            try #require(Self.value(before, "mptcp_pm_events_available") == 1,
                         "path-manager events are needed to follow subflows no scrape saw (a namespace of this host uses the userspace path manager?)")
            #expect(Self.value(before, "mptcp_interface_bytes_acked_total", ["interface": "c1"]) <= 0)

            // The kernel's own account of every socket freed meanwhile.
            let freed = try FreedSockets(lab)
            usleep(300_000)
            try Self.churn(lab)
            usleep(1_500_000)
            let kernel = freed.stop()

            // Two scrapes: the first applies the notifications, the second
            // finds every connection settled (grace 2 s).
            _ = try exporter.scrape()
            usleep(2_500_000)
            let after = Exposition.parse(try exporter.scrape())
            let connections = Self.v4Connections + Self.v6Connections + Self.killedConnections
            let sent = Double(Self.v4Connections * Self.v4Bytes + Self.v6Connections * Self.v6Bytes + Self.killedConnections * Self.killedBytes)
            let c1 = Self.value(after, "mptcp_interface_bytes_acked_total", ["interface": "c1"])
            let c2 = Self.value(after, "mptcp_interface_bytes_acked_total", ["interface": "c2"])
            #expect(c1 == kernel["c1"] && c2 == kernel["c2"], "exporter c1 \(c1) c2 \(c2), ss -E \(kernel)")
            // Each subflow's sequence space adds its FIN and the DATA_FIN's byte (2) to
            // what the application sent; reinjected data is counted on each subflow that carried it.
            #expect(c1 + c2 >= sent + Double(2 * 2 * (connections - Self.killedConnections)), "sent \(sent), counted \(c1 + c2)")
            #expect(Self.value(after, "mptcp_ledger_subflows_closed_total", ["source": "scrape"]) == 0, "every subflow by its notification")
            #expect(Self.value(after, "mptcp_ledger_subflows_closed_total", ["source": "notification"]) == Double(2 * connections))
            #expect(Self.value(after, "mptcp_ledger_notifications_lost_total") == 0)

            #expect(Self.value(after, "mptcp_connections_ended_total") == Double(connections))
            #expect(Self.value(after, "mptcp_connection_duration_seconds_count") == Double(connections))
            #expect(Self.value(after, "mptcp_closed_connection_subflows_count") == Double(connections))
            #expect(Self.value(after, "mptcp_closed_connection_subflows_sum") == Double(2 * connections))
            #expect(Self.value(after, "mptcp_subflow_join_latency_seconds_count", ["interface": "c2"]) == Double(connections))
            #expect(Self.value(after, "mptcp_subflow_lifetime_seconds_count") == Double(2 * connections))
            #expect(Self.value(after, "mptcp_closed_connection_bytes_count") == Double(connections))
            // Ends: the killed joins with the error their sub_closed event carried, every other subflow with its connection.
            let ends = after.filter { $0.name == "mptcp_subflows_ended_total" }
            let killed = ends.filter { $0.labels["interface"] == "c2" && $0.labels["end"] != "with_connection" }
            #expect(killed.map(\.value).reduce(0, +) == Double(Self.killedConnections), "\(ends.map { "\($0.labels) \($0.value)" })")
            #expect(killed.allSatisfy { $0.labels["end"] == "ECONNABORTED" }, "ss -K aborts the socket: \(killed.map(\.labels))")
            #expect(Self.value(after, "mptcp_subflows_ended_total", ["interface": "c1", "end": "with_connection"]) == Double(connections))
            #expect(Self.value(after, "mptcp_subflows_ended_total", ["interface": "c2", "end": "with_connection"])
                    == Double(connections - Self.killedConnections))

            // The recently closed, in /api/v1/snapshot: every connection, final bytes per subflow.
            let json = try #require(try JSONSerialization.jsonObject(with: Data(exporter.scrape("/api/v1/snapshot").utf8)) as? [String: Any])
            let closed = json["closed"] as? [[String: Any]] ?? []
            #expect(closed.count == connections)
            #expect(json["ledger_available"] as? Bool == true)
            let subflows = closed.flatMap { $0["subflows"] as? [[String: Any]] ?? [] }
            #expect(subflows.count == 2 * connections && subflows.allSatisfy { $0["exact"] as? Bool == true })
            let listed = subflows.compactMap { ($0["bytes_acked"] as? NSNumber)?.doubleValue }.reduce(0, +)
            #expect(listed == c1 + c2, "the list adds up to the counters")
            #expect(closed.filter { ($0["remote"] as? String ?? "").hasPrefix("[") }.count == Self.v6Connections)

            // mptcp-top, watching this exporter under tmux: the connections that ended, marked x, with how they ended.
            if Command.which("tmux") != nil {
                let tmux = try Tmux(command: "ip netns exec \(lab.client) \(Products.top) --interval 0.5 --source http://127.0.0.1:\(exporter.port)")
                let screen = try tmux.waitFor { $0.contains("ENDED (last 30 s)") && $0.contains("ECONNABORTED") }
                let rows = screen.split(separator: "\n").filter { $0.hasPrefix("x") }
                #expect(rows.count >= 10, "\(screen)")
                #expect(rows.contains { $0.contains("closed; c2 ECONNABORTED") } && rows.contains { $0.contains("closed ·") }, "\(screen)")
                try tmux.keys("q")
            }
        }

        @Test("report: the connections that ended during its interval, with their final bytes and how they ended")
        func report() throws {
            let lab = try NetnsLab(tag: "ldgr")
            defer { lab.destroy() }
            let text = try ReportEndToEndTests.report(lab, interval: 6, arguments: ["--events", "auto"]) {
                _ = try lab.transfer(connections: 40, bytes: 30_000, subflows: 2)
            }
            let report = try ReportEndToEndTests.json(text)
            let ended = try #require(report["ended"] as? [String: Any])
            #expect(ended["available"] as? Bool == true, "\(ended)")
            let list = ended["list"] as? [[String: Any]] ?? []
            #expect(list.count == 40)
            #expect(list.allSatisfy { ($0["subflows"] as? [[String: Any]])?.count == 2 && $0["end"] as? String == "closed" })
            let acked = list.flatMap { $0["subflows"] as? [[String: Any]] ?? [] }.compactMap { ($0["bytes_acked"] as? NSNumber)?.intValue }
            #expect(acked.reduce(0, +) >= 40 * 30_000)
            let markdown = try lab.exec(lab.client, [Products.exporter, "report", "--interval", "1", "--format", "markdown"])
            #expect(markdown.contains("## Connections that ended"), "\(markdown)")
        }

        @Test("every watched namespace: its own listener, a connection a scrape saw is counted to its last byte and listed as ended, with its namespace")
        func watchedNamespace() throws {
            let lab = try NetnsLab(tag: "ldgn")
            defer { lab.destroy() }
            let exporter = try ExporterProcess(arguments: ["--namespaces.named"])
            defer { exporter.process.stop() }
            let server = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", "\(lab.serverAddress(link: 1)):5205",
                                                    "--timeout", "30", "--max-connections", "1"])
            defer { server.stop() }
            #expect(server.waitForOutput(timeout: 10) { out, _ in out.contains("listening") })
            let freed = try FreedSockets(lab)
            let client = try lab.spawn(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5205",
                                                    "--bytes", "20000", "--subflows", "2", "--hold", "2", "--pace", "50000", "--timeout", "20"])
            #expect(client.waitForOutput(timeout: 10) { out, _ in out.contains("reached_subflows\":1") })
            let seen = Exposition.parse(try exporter.scrape())
            #expect(Self.value(seen, "mptcp_ledger_available", ["namespace": lab.client]) == 1)
            #expect(client.waitForExit(timeout: 20))
            usleep(1_000_000)
            let kernel = freed.stop()
            _ = try exporter.scrape()
            usleep(2_500_000)
            let after = Exposition.parse(try exporter.scrape())
            let counted = Self.value(after, "mptcp_interface_bytes_acked_total", ["namespace": lab.client, "interface": "c1"])
                + max(0, Self.value(after, "mptcp_interface_bytes_acked_total", ["namespace": lab.client, "interface": "c2"]))
            #expect(counted == (kernel["c1"] ?? 0) + (kernel["c2"] ?? 0), "exporter \(counted), ss -E \(kernel)")
            #expect(Self.value(after, "mptcp_ledger_subflows_closed_total", ["namespace": lab.client, "source": "notification"]) == 2)
            #expect(Self.value(after, "mptcp_connections_ended_total", ["namespace": lab.client]) == 1)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(exporter.scrape("/api/v1/snapshot").utf8)) as? [String: Any])
            let ended = (json["closed"] as? [[String: Any]] ?? []).filter { $0["namespace"] as? String == lab.client }
            #expect(ended.count == 1 && (ended.first?["subflows"] as? [[String: Any]])?.count == 2, "\(json["closed"] ?? "none")")
        }

        @Test("the budget: plain-TCP churn above --collector.connections.ledger.max-rate pauses the listener, said once; it resumes when the churn stops")
        func budget() throws {
            let lab = try NetnsLab(tag: "ldgb")
            defer { lab.destroy() }
            let exporter = try ExporterProcess(namespace: lab.client, arguments: ["--collector.connections.ledger.max-rate", "200"])
            defer { exporter.process.stop() }
            let sink = try lab.spawn(lab.client, [Products.loadgen, "server", "--tcp", "--listen", "127.0.0.1:5301", "--timeout", "40"])
            defer { sink.stop() }
            #expect(sink.waitForOutput(timeout: 10) { out, _ in out.contains("listening") })
            // 1,000 connections per second, two sockets freed each: ten times the budget.
            try lab.exec(lab.client, [Products.loadgen, "churn", "--tcp", "--reset", "--connect", "127.0.0.1:5301", "--rate", "1000",
                                      "--lifetime", "0", "--duration", "8"], timeout: 30)
            let paused = Exposition.parse(try exporter.scrape())
            #expect(Self.value(paused, "mptcp_ledger_paused") == 1)
            #expect(Self.value(paused, "mptcp_ledger_available") == 0)
            // Quiet again: two readings of the namespace's TCP opens 5 s apart, below half the budget.
            var resumed = false
            for _ in 0..<30 where !resumed {
                usleep(1_000_000)
                resumed = Self.value(Exposition.parse(try exporter.scrape()), "mptcp_ledger_available") == 1
            }
            #expect(resumed)
            let log = exporter.process.stderr
            #expect(log.components(separatedBy: "TCP destroy notifications paused").count == 2, "said once: \(log)")
            #expect(log.contains("above the budget of 200"))
            #expect(log.contains("TCP destroy notifications resumed"))
        }

        @Test("without CAP_NET_ADMIN: notifications still arrive, no events: subflows a scrape saw are exact, those between scrapes are not counted")
        func unprivileged() throws {
            try #require(Command.which("setpriv") != nil, "setpriv (util-linux) is needed")
            let lab = try NetnsLab(tag: "ldgu")
            defer { lab.destroy() }
            let exporter = try ExporterProcess(namespace: lab.client,
                                               wrapper: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
            defer { exporter.process.stop() }
            let before = Exposition.parse(try exporter.scrape())
            // Measured on 6.18: the destroy groups need no privilege; the event group does.
            #expect(Self.value(before, "mptcp_ledger_available") == 1)
            #expect(Self.value(before, "mptcp_pm_events_available") == 0)

            // Lived between two scrapes, no event named them: not counted (the documented caveat).
            _ = try lab.transfer(connections: 20, bytes: 50_000, subflows: 2)
            usleep(500_000)
            let between = Exposition.parse(try exporter.scrape())
            #expect(Self.value(between, "mptcp_interface_bytes_acked_total", ["interface": "c1"]) <= 0)
            #expect(Self.value(between, "mptcp_ledger_notifications_total", ["socket": "mptcp_subflow"]) == 0)
            #expect(Self.value(between, "mptcp_ledger_notifications_total", ["socket": "other"]) >= 40)

            // Seen by a scrape, then sending on until it closes: counted to its final byte.
            let server = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", "\(lab.serverAddress(link: 1)):5203",
                                                    "--timeout", "30", "--max-connections", "2"])
            defer { server.stop() }
            #expect(server.waitForOutput(timeout: 10) { out, _ in out.contains("listening") })
            let freed = try FreedSockets(lab)
            let client = try lab.spawn(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5203",
                                                    "--connections", "2", "--bytes", "10000", "--subflows", "2",
                                                    "--hold", "3", "--pace", "100000", "--timeout", "20"])
            #expect(client.waitForOutput(timeout: 10) { out, _ in out.contains("reached_subflows\":2") })
            let seen = Exposition.parse(try exporter.scrape())
            #expect(Self.value(seen, "mptcp_connections", ["state": "established"]) == 2)
            #expect(client.waitForExit(timeout: 20))
            usleep(1_000_000)
            let kernel = freed.stop()
            let after = Exposition.parse(try exporter.scrape())
            let counted = Self.value(after, "mptcp_interface_bytes_acked_total", ["interface": "c1"])
                + max(0, Self.value(after, "mptcp_interface_bytes_acked_total", ["interface": "c2"]))
            #expect(counted == (kernel["c1"] ?? 0) + (kernel["c2"] ?? 0), "exporter \(counted), ss -E \(kernel)")
            #expect(counted > Double(2 * 10_000 + 2 * 100_000), "the paced bytes sent after the scrape are in")
            #expect(Self.value(after, "mptcp_ledger_notifications_total", ["socket": "mptcp_subflow"]) == 4)
        }
    }
}
