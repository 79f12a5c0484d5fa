import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// The path-manager collectors against real endpoints, limits and events in
    /// namespaces, compared with `ip mptcp endpoint show`, `ip mptcp limits show`
    /// and `ip mptcp monitor` in the same namespace.
    @Suite("Path manager end to end", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                           "needs root, iproute2 and net.mptcp.enabled=1 for network namespaces"))
    struct PathManagerEndToEndTests {
        /// `ip mptcp endpoint show` as "address|id|port|flags|dev" lines.
        /// `ip mptcp endpoint show` as "address|id|port|flags|dev" lines.
        static func shownEndpoints(_ namespace: String) throws -> Set<String> {
            IPMPTCP.endpoints(in: try Command.check(["ip", "-n", namespace, "mptcp", "endpoint", "show"]))
        }

        @Test("endpoints added, changed to backup and deleted between scrapes are served as ip mptcp endpoint show lists them; limits too")
        func endpointsAndLimits() throws {
            let lab = try NetnsLab(tag: "endp")
            defer { lab.destroy() }
            let exporter = try ExporterProcess(namespace: lab.client)
            func check(_ step: String) throws {
                let samples = Exposition.parse(try exporter.scrape())
                #expect(ServedState.endpoints(samples) == (try Self.shownEndpoints(lab.client)), "\(step)")
                let limits = IPMPTCP.limits(in: try Command.check(["ip", "-n", lab.client, "mptcp", "limits", "show"]))
                #expect(samples.first { $0.name == "mptcp_limit_subflows" }?.valueText == limits.subflows, "\(step)")
                #expect(samples.first { $0.name == "mptcp_limit_add_addr_accepted" }?.valueText == limits.addAddrAccepted, "\(step)")
                #expect(samples.first { $0.name == "mptcp_endpoints" }.map { Int($0.value) } == (try Self.shownEndpoints(lab.client)).count)
            }
            try check("initial")
            try Command.check(["ip", "-n", lab.client, "mptcp", "endpoint", "add", lab.clientAddress(link: 1), "id", "5", "dev", "c1", "signal", "port", "4660"])
            try Command.check(["ip", "-n", lab.client, "mptcp", "endpoint", "add", lab.clientAddress6(link: 1), "id", "6", "subflow", "fullmesh"])
            try Command.check(["ip", "-n", lab.client, "mptcp", "limits", "set", "subflow", "4", "add_addr_accepted", "3"])
            try check("added")
            try Command.check(["ip", "-n", lab.client, "mptcp", "endpoint", "change", "id", "1", "backup"])
            try check("changed to backup")
            try Command.check(["ip", "-n", lab.client, "mptcp", "endpoint", "delete", "id", "5"])
            try Command.check(["ip", "-n", lab.client, "mptcp", "endpoint", "flush"])
            try check("deleted")
        }

        @Test("ADD_ADDR, join, priority change and address removal: event counts by type equal ip mptcp monitor's, on both hosts")
        func eventsEqualMonitor() throws {
            var options = NetnsLab.Options()
            options.serverSignalEndpoint = true
            let lab = try NetnsLab(tag: "evt", options: options)
            defer { lab.destroy() }
            let exporters = [try ExporterProcess(namespace: lab.client), try ExporterProcess(namespace: lab.server)]
            let monitors = [try lab.spawn(lab.client, ["ip", "mptcp", "monitor"]), try lab.spawn(lab.server, ["ip", "mptcp", "monitor"])]
            defer { for monitor in monitors { monitor.stop() } }
            usleep(300_000)

            let sink = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", "0.0.0.0:5203", "--timeout", "20", "--max-connections", "1"])
            defer { sink.stop() }
            #expect(sink.waitForOutput(timeout: 10) { out, _ in out.contains("listening") })
            let client = try lab.spawn(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5203",
                                                    "--bytes", "100000", "--subflows", "2", "--hold", "4", "--timeout", "15"])
            defer { client.stop() }
            #expect(client.waitForOutput(timeout: 10) { out, _ in out.contains("reached_subflows") })
            usleep(500_000)
            try Command.check(["ip", "-n", lab.client, "mptcp", "endpoint", "change", "id", "1", "backup"])      // MP_PRIO
            usleep(500_000)
            try Command.check(["ip", "-n", lab.server, "mptcp", "endpoint", "delete", "id", "1"])              // RM_ADDR
            #expect(client.waitForExit(timeout: 20))
            #expect(sink.waitForExit(timeout: 10))
            usleep(1_000_000)
            for monitor in monitors { monitor.stop() }

            for (exporter, monitor) in zip(exporters, monitors) {
                let fromMonitor = IPMPTCP.eventCounts(in: monitor.stdout)
                let samples = Exposition.parse(try exporter.scrape())
                #expect(samples.first { $0.name == "mptcp_pm_events_available" }?.value == 1)
                var served: [String: Int] = [:]
                for sample in samples where sample.name == "mptcp_pm_events_total" && sample.value > 0 {
                    served[sample.labels["type"] ?? "", default: 0] = Int(sample.value)
                }
                #expect(served == fromMonitor, "\(exporter.namespace ?? "")")
                #expect((served["announced"] ?? 0) + (served["removed"] ?? 0) + (served["sub_priority"] ?? 0) > 0)
            }
        }

        @Test("unprivileged: counters, connections, endpoints and limits served; events reported unavailable")
        func unprivileged() throws {
            try #require(Command.which("setpriv") != nil, "setpriv (util-linux) is needed")
            let lab = try NetnsLab(tag: "pmuser")
            defer { lab.destroy() }
            try lab.transfer(connections: 1, bytes: 100_000, subflows: 2)
            let exporter = try ExporterProcess(namespace: lab.client, arguments: ["--collector.pm-events", "on"],
                                               wrapper: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
            let samples = Exposition.parse(try exporter.scrape())
            for collector in ["netstat", "connections", "path_manager", "sysctl", "pm_events"] {
                #expect(samples.first { $0.name == "mptcp_exporter_scrape_collector_success" && $0.labels["collector"] == collector }?.value == 1, "\(collector)")
            }
            #expect(samples.first { $0.name == "mptcp_pm_events_available" }?.value == 0)
            #expect(ServedState.endpoints(samples) == (try Self.shownEndpoints(lab.client)))
            #expect(samples.first { $0.name == "mptcp_ext_mp_capable_syntx_total" }?.value == 1)
            #expect(exporter.process.stderr.contains("path-manager events unavailable"))
            #expect(exporter.process.stderr.contains("CAP_NET_ADMIN"))
        }

        @Test("under the userspace path manager the default is not to listen, and the log says why")
        func userspacePathManager() throws {
            let lab = try NetnsLab(tag: "upm")
            defer { lab.destroy() }
            try lab.exec(lab.client, ["sysctl", "-qw", "net.mptcp.path_manager=userspace"])
            let exporter = try ExporterProcess(namespace: lab.client)
            let samples = Exposition.parse(try exporter.scrape())
            #expect(samples.first { $0.name == "mptcp_pm_events_available" }?.value == 0)
            #expect(samples.first { $0.name == "mptcp_sysctl_info" }?.labels["path_manager"] == "userspace")
            #expect(exporter.process.stderr.contains("userspace path manager"))
            let forced = try ExporterProcess(namespace: lab.client, arguments: ["--collector.pm-events", "on"])
            #expect(Exposition.parse(try forced.scrape()).first { $0.name == "mptcp_pm_events_available" }?.value == 1)
        }
    }
}
