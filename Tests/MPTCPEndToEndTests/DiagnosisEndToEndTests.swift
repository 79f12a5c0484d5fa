import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// Each situation an operator meets, set up on fresh namespaces as they
    /// would meet it; `report` is taken in the client namespace while the
    /// connections start. Each gives its verdict, naming what is at fault,
    /// and no other warning.
    @Suite("Diagnosis end to end", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                        "needs root, iproute2, nft and net.mptcp.enabled=1 for network namespaces"))
    struct DiagnosisEndToEndTests {
        struct Outcome {
            var verdicts: [[String: Any]]
            var warnings: [String]
            var findings: [String]
            var reasons: [String] { verdicts.map { "\($0["kind"] as? String ?? "")/\($0["reason"] as? String ?? "")" } }
            var objects: [String] { verdicts.compactMap { $0["object"] as? String } }
        }

        /// `connections` MPTCP connections to the server's first address held
        /// open while `report --interval 4` runs in the client namespace.
        static func diagnose(_ tag: String, options: NetnsLab.Options = NetnsLab.Options(), plainTCP: Bool = false,
                             setup: (NetnsLab) throws -> Void = { _ in },
                             whileOpen: ((NetnsLab) throws -> Void)? = nil) throws -> Outcome {
            let lab = try NetnsLab(tag: tag, options: options)
            defer { lab.destroy() }
            try setup(lab)
            var processes: [BackgroundProcess] = []
            defer { for process in processes { process.stop() } }
            let text = try ReportEndToEndTests.report(lab) {
                let sink = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", "\(lab.serverAddress(link: 1)):5201",
                                                      "--timeout", "30"] + (plainTCP ? ["--tcp"] : []))
                processes.append(sink)
                #expect(sink.waitForOutput(timeout: 10) { out, _ in out.contains("listening") })
                let client = try lab.spawn(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5201",
                                                        "--connections", "2", "--bytes", "100000", "--subflows", "2",
                                                        "--hold", "20", "--timeout", "25"])
                processes.append(client)
                if let whileOpen {
                    #expect(client.waitForOutput(timeout: 10) { out, _ in out.contains("reached_subflows\":2") })
                    try whileOpen(lab)
                }
            }
            let report = try ReportEndToEndTests.json(text)
            let list = (report["connections"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
            let findings = ReportEndToEndTests.findings(report)
            return Outcome(verdicts: list.compactMap { $0["verdict"] as? [String: Any] },
                           warnings: findings.filter { $0["severity"] as? String != "info" }.compactMap { $0["id"] as? String },
                           findings: findings.compactMap { $0["id"] as? String })
        }

        @Test("two healthy paths: multipath, no warning")
        func healthy() throws {
            let outcome = try Self.diagnose("dgok")
            #expect(outcome.reasons == ["multipath/", "multipath/"])
            #expect(outcome.warnings == [])
        }

        @Test("the second path as backup: standing by, said without a warning")
        func backup() throws {
            let outcome = try Self.diagnose("dgbk") { lab in
                try Command.check(["ip", "-n", lab.client, "mptcp", "endpoint", "change", "id", "1", "backup"])
            }
            #expect(outcome.reasons == ["backup_standby/backup", "backup_standby/backup"])
            #expect(outcome.objects == ["c2", "c2"])
            #expect(outcome.warnings == [])
        }

        @Test("endpoints removed after earlier joins: every new connection names the missing endpoint")
        func endpointsRemoved() throws {
            let outcome = try Self.diagnose("dgrm") { lab in
                try lab.transfer(connections: 1, bytes: 100_000, subflows: 2)      // joins happened before
                try Command.check(["ip", "-n", lab.client, "mptcp", "endpoint", "flush"])
            }
            #expect(outcome.reasons == ["single_path/no_subflow_endpoint", "single_path/no_subflow_endpoint"])
            #expect(outcome.warnings == ["path_no_subflow_endpoint"])
        }

        @Test("the subflow limit at 0")
        func limitZero() throws {
            var options = NetnsLab.Options()
            options.limits = (subflows: 0, addAddrAccepted: 0)
            let outcome = try Self.diagnose("dglz", options: options)
            #expect(outcome.reasons == ["single_path/subflow_limit_zero", "single_path/subflow_limit_zero"])
            #expect(outcome.warnings == ["path_subflow_limit_zero"])
        }

        @Test("the userspace path manager and nothing driving it")
        func userspaceIdle() throws {
            let outcome = try Self.diagnose("dgup") { lab in
                try lab.exec(lab.client, ["sysctl", "-qw", "net.mptcp.path_manager=userspace"])
            }
            #expect(outcome.reasons == ["single_path/userspace_pm_idle", "single_path/userspace_pm_idle"])
            #expect(outcome.warnings == ["path_userspace_pm_idle"])
        }

        @Test("the peer announces an address it does not serve: joins refused, the address named with ECONNREFUSED")
        func announcedNotServed() throws {
            var options = NetnsLab.Options()
            options.serverSignalEndpoint = true
            var announced = ""
            let outcome = try Self.diagnose("dgan", options: options) { announced = $0.serverAddress(link: 2) }
            #expect(outcome.reasons == ["multipath/joins_refused", "multipath/joins_refused"])
            #expect(outcome.objects == [announced, announced])
            let evidence = outcome.verdicts.flatMap { $0["evidence"] as? [[String: Any]] ?? [] }.compactMap { $0["value"] as? String }
            #expect(evidence.contains("ECONNREFUSED"))
            #expect(outcome.warnings == ["path_joins_refused"])
        }

        @Test("announcements not accepted: the server announces its second address, the client ignores it")
        func announcementsIgnored() throws {
            var options = NetnsLab.Options()
            options.limits = (subflows: 2, addAddrAccepted: 0)
            options.clientSubflowEndpoint = false
            options.serverSignalEndpoint = true
            let outcome = try Self.diagnose("dgaa", options: options)
            #expect(outcome.reasons == ["single_path/announcements_not_accepted", "single_path/announcements_not_accepted"])
            #expect(outcome.warnings == ["path_announcements_not_accepted"])
            #expect(!outcome.findings.contains("add_addr_ignored"), "the cause is said once")
        }

        @Test("subflows killed (ss -K) and not re-created: the connection says the path manager does not retry")
        func subflowsKilled() throws {
            let outcome = try Self.diagnose("dgsk", whileOpen: { lab in
                try lab.exec(lab.client, ["ss", "-K", "-t", "src", lab.clientAddress(link: 2)])
            })
            #expect(outcome.reasons == ["single_path/subflows_closed", "single_path/subflows_closed"])
            #expect(outcome.verdicts.allSatisfy { ($0["explanation"] as? String)?.contains("does not retry") == true })
            #expect(outcome.warnings == ["path_subflows_closed"])
        }

        @Test("MPTCP disabled: the critical finding, no connection to judge")
        func disabled() throws {
            let outcome = try Self.diagnose("dgoff") { lab in
                try lab.exec(lab.client, ["sysctl", "-qw", "net.mptcp.enabled=0"])
            }
            #expect(outcome.verdicts.isEmpty)
            #expect(outcome.warnings == ["mptcp_disabled"])
        }

        @Test("the second path dropped by a firewall: joins sent, never answered")
        func firewalled() throws {
            try #require(Command.which("nft") != nil, "nft (nftables) is needed")
            let outcome = try Self.diagnose("dgfw") { lab in
                try lab.exec(lab.server, ["nft", "add table inet dg; add chain inet dg in { type filter hook input priority 0; }; add rule inet dg in iifname s2 tcp dport 5201 drop"])
            }
            #expect(outcome.reasons == ["single_path/joins_unanswered", "single_path/joins_unanswered"])
            #expect(outcome.warnings == ["path_joins_unanswered"])
        }

        /// The client's second address loses its policy route: a subflow from
        /// it is bound to c2 by the endpoint's `dev`, but no table routes the
        /// server's first address through c2.
        static func withoutPolicyRoute(_ lab: NetnsLab) throws {
            try lab.exec(lab.client, ["ip", "rule", "del", "from", lab.clientAddress(link: 2), "table", "102"])
        }

        @Test("strict rp_filter on the second interface: the join's SYN+ACK is dropped, the interface named")
        func strictReversePath() throws {
            let outcome = try Self.diagnose("dgrp") { lab in
                try Self.withoutPolicyRoute(lab)
                try lab.exec(lab.client, ["sysctl", "-qw", "net.ipv4.conf.c2.rp_filter=1"])
            }
            #expect(outcome.reasons == ["single_path/rp_filter_strict", "single_path/rp_filter_strict"])
            #expect(outcome.objects == ["c2", "c2"])
            #expect(outcome.warnings == ["path_rp_filter_strict"])
            let evidence = outcome.verdicts.first?["evidence"] as? [[String: Any]] ?? []
            #expect(evidence.contains { $0["name"] as? String == "net.ipv4.conf.c2.rp_filter" && $0["value"] as? String == "1" })
        }

        @Test("an endpoint whose device has no route to the peer: the kernel's on-link guess, nothing answers, the endpoint named")
        func noRouteThroughDevice() throws {
            var client = ""
            let outcome = try Self.diagnose("dgnr") { lab in
                client = lab.clientAddress(link: 2)
                try Self.withoutPolicyRoute(lab)
                // The server answers ARP on s2 only for s2's own address, as most routers do.
                try lab.exec(lab.server, ["sysctl", "-qw", "net.ipv4.conf.s2.arp_ignore=1"])
            }
            #expect(outcome.reasons == ["single_path/endpoint_no_route", "single_path/endpoint_no_route"], "\(outcome.verdicts)")
            #expect(outcome.objects.allSatisfy { $0.contains("id 1 \(client)") }, "\(outcome.objects)")
            #expect(outcome.warnings == ["path_endpoint_no_route"])
            let evidence = outcome.verdicts.first?["evidence"] as? [[String: Any]] ?? []
            #expect(evidence.contains { ($0["name"] as? String ?? "").hasSuffix("from \(client) oif c2")
                && ($0["value"] as? String ?? "").contains("assumed on the link of c2") }, "\(evidence)")
        }

        @Test("a plain TCP server: fallback at the SYN+ACK")
        func plainTCP() throws {
            let outcome = try Self.diagnose("dgtc", plainTCP: true)
            #expect(outcome.reasons == ["fallback/syn_ack_without_mp_capable", "fallback/syn_ack_without_mp_capable"])
            #expect(outcome.warnings == ["active_open_fallback"])
        }

        @Test("the live views: mptcp-top marks the connection and says why; /api/v1/snapshot carries the verdict")
        func liveViews() throws {
            var options = NetnsLab.Options()
            options.limits = (subflows: 0, addAddrAccepted: 0)
            let lab = try NetnsLab(tag: "dglv", options: options)
            defer { lab.destroy() }
            let sink = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", "\(lab.serverAddress(link: 1)):5201", "--timeout", "30"])
            defer { sink.stop() }
            #expect(sink.waitForOutput(timeout: 10) { out, _ in out.contains("listening") })
            let client = try lab.spawn(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5201",
                                                    "--bytes", "100000", "--hold", "20", "--timeout", "25"])
            defer { client.stop() }
            #expect(client.waitForOutput(timeout: 10) { out, _ in out.contains("reached_subflows") })

            let frame = try lab.exec(lab.client, [Products.top, "--once", "--width", "160"])
            let row = frame.split(separator: "\n").first { $0.contains("\(lab.serverAddress(link: 1)):5201") && !$0.contains("init") }
            #expect(row?.contains(" ! ") == true, "\(frame)")
            #expect(frame.contains("why: single_path subflow_limit_zero (ip mptcp limits): The subflow limit is 0"), "\(frame)")

            let exporter = try ExporterProcess(namespace: lab.client)
            let snapshot = try JSONSerialization.jsonObject(with: Data(try exporter.scrape("/api/v1/snapshot").utf8)) as? [String: Any] ?? [:]
            let verdicts = (snapshot["connections"] as? [[String: Any]] ?? []).compactMap { $0["verdict"] as? [String: Any] }
            #expect(verdicts.map { $0["reason"] as? String } == ["subflow_limit_zero"])
            #expect(verdicts.first?["needs_action"] as? Bool == true)

            // /metrics: the verdicts use what the other collectors read, so from the second scrape on.
            _ = try exporter.scrape()
            let samples = Exposition.parse(try exporter.scrape())
            #expect(samples.first { $0.name == "mptcp_connections_by_verdict" && $0.labels["kind"] == "single_path"
                && $0.labels["reason"] == "subflow_limit_zero" }?.value == 1)
            #expect(samples.first { $0.name == "mptcp_connections_needing_action" }?.value == 1)
            #expect(samples.filter { $0.name == "mptcp_connections_by_verdict" }.count == 23, "every series, always")
        }
    }
}
