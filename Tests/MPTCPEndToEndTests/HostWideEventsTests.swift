import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// A `mptcp_pm_events` listener anywhere on the host makes every namespace
    /// that uses the userspace path manager accept subflows as if a daemon ran.
    /// With default flags, the exporter, `mptcp-top` and `report` must leave
    /// such a namespace exactly as it behaves with no listener at all.
    @Suite("Host-wide event listening", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                             "needs root, iproute2 and net.mptcp.enabled=1 for network namespaces"))
    struct HostWideEventsTests {
        /// Sets the server's path manager (`path_manager` on 6.15+, else `pm_type`).
        static func setPathManager(_ lab: NetnsLab, userspace: Bool) throws {
            if FileManager.default.fileExists(atPath: "/proc/sys/net/mptcp/path_manager") {
                try lab.exec(lab.server, ["sysctl", "-qw", "net.mptcp.path_manager=\(userspace ? "userspace" : "kernel")"])
            } else {
                try lab.exec(lab.server, ["sysctl", "-qw", "net.mptcp.pm_type=\(userspace ? 1 : 0)"])
            }
        }

        /// After a namespace switches to the userspace path manager, an exporter
        /// that a suite running in parallel started earlier (default flags,
        /// surveying every 5 s) may still listen for up to 5 s: measure after that.
        static func settle() { sleep(6) }

        /// Connections that got their second subflow (the client's subflow
        /// endpoint asks for it; the userspace server with no daemon refuses
        /// it), and the server's completed joins over the same transfer.
        static func joins(_ lab: NetnsLab, port: Int) throws -> (reached: Int, joinAcks: UInt64) {
            let before = try Nstat.mptcp(namespace: lab.server)["MPJoinAckRx"] ?? 0
            let endpoint = "\(lab.serverAddress(link: 1)):\(port)"
            let sink = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", endpoint, "--timeout", "10", "--max-connections", "3"])
            defer { sink.stop() }
            guard sink.waitForOutput(timeout: 10, { out, _ in out.contains("listening") }) else {
                throw Command.Failure(description: "loadgen server did not start: \(sink.stderr)")
            }
            // Exits 1 when a connection did not reach 2 subflows: the count is what matters here.
            let output = try Command.run(["ip", "netns", "exec", lab.client, Products.loadgen, "client", "--connect", endpoint,
                                          "--connections", "3", "--bytes", "65536", "--subflows", "2", "--timeout", "3"], timeout: 20).stdout
            let after = try Nstat.mptcp(namespace: lab.server)["MPJoinAckRx"] ?? 0
            let reached = output.split(separator: ",").first { $0.contains("reached_subflows") }
                .flatMap { Int($0.split(separator: ":").last ?? "") } ?? -1
            return (reached, after - before)
        }

        @Test("with default flags the exporter, mptcp-top and report do not listen while a namespace uses the userspace path manager; it refuses joins as with no listener")
        func defaultToolsDoNotChangeUserspaceNamespaces() throws {
            let lab = try NetnsLab(tag: "uspm")
            defer { lab.destroy() }
            try Self.setPathManager(lab, userspace: true)
            Self.settle()

            // Control: nothing listening anywhere from us: what the namespace refuses.
            let baseline = try Self.joins(lab, port: 5301)
            #expect(baseline.reached == 0, "a userspace path manager with no daemon should refuse joins")
            #expect(baseline.joinAcks == 0)

            // The three tools, default flags, in another namespace (the host's).
            let exporter = try ExporterProcess()
            defer { exporter.process.stop() }
            let top = try BackgroundProcess([Products.top, "--iterations", "40", "--interval", "0.25", "--width", "120"])
            defer { top.stop() }
            let report = try BackgroundProcess([Products.exporter, "report", "--interval", "6", "--format", "json"])
            defer { report.stop() }
            #expect(exporter.process.waitForOutput(timeout: 10) { _, err in err.contains("uses the userspace path manager") },
                    "the exporter should say why it does not listen: \(exporter.process.stderr)")
            let metrics = try exporter.scrape()
            #expect(metrics.contains("mptcp_pm_events_available 0"))

            let withTools = try Self.joins(lab, port: 5302)
            #expect(withTools.reached == baseline.reached, "the tools changed what the userspace namespace accepts")
            #expect(withTools.joinAcks == baseline.joinAcks)

            #expect(report.waitForExit(timeout: 30))
            let json = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
            let events = json?["events"] as? [String: Any]
            #expect(events?["available"] as? Bool == false)
            #expect((events?["unavailable_reason"] as? String)?.contains("userspace path manager") == true)
            #expect(top.waitForExit(timeout: 30))
            #expect(top.stdout.contains("events no"), "mptcp-top should show that it does not listen")
        }

        @Test("auto lets go when a namespace switches to the userspace path manager and listens again when none is left; on listens regardless (and changes the namespace: the harm auto avoids)")
        func autoFollowsTheHost() throws {
            let lab = try NetnsLab(tag: "uspa")
            defer { lab.destroy() }
            let exporter = try ExporterProcess(arguments: ["--collector.pm-events.recheck-interval", "0.3"])
            defer { exporter.process.stop() }
            #expect(exporter.process.waitForOutput(timeout: 10) { _, err in err.contains("listening to path-manager events") },
                    "no userspace namespace yet: auto listens: \(exporter.process.stderr)")

            try Self.setPathManager(lab, userspace: true)
            #expect(exporter.process.waitForOutput(timeout: 10) { _, err in err.contains("uses the userspace path manager") },
                    "the exporter should let go: \(exporter.process.stderr)")
            #expect(try exporter.scrape().contains("mptcp_pm_events_available 0"))
            Self.settle()
            let afterLettingGo = try Self.joins(lab, port: 5303)
            #expect(afterLettingGo.reached == 0)
            #expect(afterLettingGo.joinAcks == 0)

            // The namespace goes back to the kernel path manager: listening resumes.
            try Self.setPathManager(lab, userspace: false)
            let resumed = exporter.process.waitForOutput(timeout: 10) { _, err in
                err.components(separatedBy: "listening to path-manager events").count >= 3
            }
            #expect(resumed, "auto should listen again: \(exporter.process.stderr)")
            exporter.process.stop()

            // on: the operator's explicit choice listens anyway, and the userspace
            // namespace then accepts the joins: what this suite guards against.
            try Self.setPathManager(lab, userspace: true)
            let forced = try ExporterProcess(arguments: ["--collector.pm-events", "on"])
            defer { forced.process.stop() }
            #expect(try forced.scrape().contains("mptcp_pm_events_available 1"))
            let harmed = try Self.joins(lab, port: 5304)
            #expect(harmed.reached == 3, "with a listener the userspace namespace should accept joins (the kernel behaviour this guards against)")
        }
    }
}
