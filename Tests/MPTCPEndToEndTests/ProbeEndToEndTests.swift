import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// `mptcp-exporter probe` and `/probe` against real MPTCP in namespaces:
    /// a server that announces a second address, a plain-TCP server, a
    /// firewall that drops SYNs carrying the MPTCP option, a second path
    /// blocked, a target outside the allow-list, and a real Prometheus
    /// probing through the relabelling of deploy/prometheus.yml.
    @Suite("MPTCP probe end to end", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                          "needs root, iproute2 and net.mptcp.enabled=1 for network namespaces"))
    struct ProbeEndToEndTests {
        static let port = 5201

        /// The probe run in the client namespace; its JSON decoded, its exit status.
        static func probe(_ lab: NetnsLab, _ target: String, _ options: [String] = []) throws -> (status: Int32, json: [String: Any], stderr: String) {
            let result = try Command.run(["ip", "netns", "exec", lab.client, Products.exporter, "probe", target, "--format", "json"] + options, timeout: 60)
            let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]
            return (result.status, json, result.stderr)
        }

        /// The same probe in the Prometheus format, checked by promtool.
        static func promtoolClean(_ lab: NetnsLab, _ target: String, _ options: [String] = []) throws {
            let result = try Command.run(["ip", "netns", "exec", lab.client, Products.exporter, "probe", target, "--format", "prometheus"] + options, timeout: 60)
            #expect(result.stdout.contains("probe_success "), "\(result.stderr)")
            if Requirements.hasPromtool {
                #expect(try Golden.promtoolComplaints(result.stdout) == "")
            }
        }

        static func server(_ lab: NetnsLab, tcp: Bool = false, addresses: [String]) throws -> BackgroundProcess {
            let listen = addresses.flatMap { ["--listen", "\($0):\(port)"] }
            let process = try lab.spawn(lab.server, [Products.loadgen, "server", "--timeout", "120"] + listen + (tcp ? ["--tcp"] : []))
            #expect(process.waitForOutput(timeout: 20) { out, _ in out.contains("listening") })
            return process
        }

        static func nft(_ lab: NetnsLab, _ rule: String) throws {
            try lab.exec(lab.server, ["nft", "add", "table", "inet", "probetest"])
            try lab.exec(lab.server, ["nft", "add", "chain", "inet", "probetest", "input", "{ type filter hook input priority 0; }"])
            try lab.exec(lab.server, ["sh", "-c", "nft add rule inet probetest input \(rule)"])
        }

        static func subflows(_ json: [String: Any]) -> [[String: Any]] { json["subflows"] as? [[String: Any]] ?? [] }

        @Test("a server that announces its second address: MPTCP, both subflows up, the announcement seen")
        func announcedAddress() throws {
            var options = NetnsLab.Options()
            options.clientSubflowEndpoint = false
            options.serverSignalEndpoint = true
            let lab = try NetnsLab(tag: "prann", options: options)
            defer { lab.destroy() }
            let server = try Self.server(lab, addresses: [lab.serverAddress(link: 1), lab.serverAddress(link: 2)])
            defer { server.stop() }
            let target = "\(lab.serverAddress(link: 1)):\(Self.port)"
            let (status, json, stderr) = try Self.probe(lab, target, ["--payload", "hello\\n", "--min-subflows", "2", "--timeout", "8s"])
            #expect(status == 0, "\(json) \(stderr)")
            #expect(json["mptcp"] as? Bool == true && json["fallback"] == nil)
            #expect(json["announced"] as? [String] == ["\(lab.serverAddress(link: 2)):\(Self.port)"], "\(json)")
            #expect(json["events_seen"] as? Bool == true)
            let up = Self.subflows(json).filter { $0["up"] as? Bool == true }
            #expect(up.count == 2, "\(json)")
            #expect(Set(up.compactMap { $0["remote"] as? String }) == ["\(lab.serverAddress(link: 1)):\(Self.port)", "\(lab.serverAddress(link: 2)):\(Self.port)"])
            #expect(json["expected_subflows"] as? Int == 2 && (json["missing_paths"] as? [Any])?.isEmpty == true)
            #expect(up.allSatisfy { ($0["rtt_seconds"] as? Double).map { $0 > 0 } == true })
            try Self.promtoolClean(lab, target, ["--payload", "hello\\n"])
        }

        @Test("a plain-TCP server: fallback at the handshake (SYN+ACK without MP_CAPABLE); --allow-fallback makes it a success")
        func plainTCPServer() throws {
            let lab = try NetnsLab(tag: "prtcp")
            defer { lab.destroy() }
            let server = try Self.server(lab, tcp: true, addresses: [lab.serverAddress(link: 1)])
            defer { server.stop() }
            let target = "\(lab.serverAddress(link: 1)):\(Self.port)"
            let (status, json, _) = try Self.probe(lab, target)
            #expect(status == 1)
            #expect((json["fallback"] as? [String: Any])?["stage"] as? String == "synack_without_mp_capable", "\(json)")
            #expect((json["failure"] as? String)?.hasPrefix("fell back to TCP (synack_without_mp_capable)") == true)
            #expect(Self.subflows(json).count == 1 && json["mptcp"] as? Bool == false)
            #expect(try Self.probe(lab, target, ["--allow-fallback"]).status == 0)
            try Self.promtoolClean(lab, target)
        }

        @Test("a firewall that drops SYNs carrying the MPTCP option: the SYN retried without it, fallback named syn_dropped")
        func synDropped() throws {
            try #require(Command.which("nft") != nil, "nft is needed (apt-get install nftables; scripts/install-deps.sh --test)")
            let lab = try NetnsLab(tag: "prsyn")
            defer { lab.destroy() }
            let server = try Self.server(lab, addresses: [lab.serverAddress(link: 1)])
            defer { server.stop() }
            try Self.nft(lab, "'tcp flags & (syn | ack) == syn tcp option mptcp exists drop'")
            let retries = try lab.exec(lab.client, ["sysctl", "-n", "net.mptcp.syn_retrans_before_tcp_fallback"]).trimmingCharacters(in: .whitespacesAndNewlines)
            let (status, json, _) = try Self.probe(lab, "\(lab.serverAddress(link: 1)):\(Self.port)", ["--timeout", "15s"])
            #expect(status == 1)
            let fallback = json["fallback"] as? [String: Any]
            #expect(fallback?["stage"] as? String == "syn_dropped", "\(json)")
            #expect((fallback?["explanation"] as? String)?.contains("net.mptcp.syn_retrans_before_tcp_fallback = \(retries)") == true)
            // The retransmissions take the kernel's SYN timer: 1 s, then 2 s, before the SYN without MPTCP.
            #expect((json["connect_seconds"] as? Double).map { $0 > 2.5 } == true, "\(json)")
        }

        @Test("the second path blocked: success on one subflow with the failing path named; failure when two are required")
        func secondPathBlocked() throws {
            try #require(Command.which("nft") != nil, "nft is needed (apt-get install nftables; scripts/install-deps.sh --test)")
            let lab = try NetnsLab(tag: "prblk")
            defer { lab.destroy() }
            let server = try Self.server(lab, addresses: [lab.serverAddress(link: 1)])
            defer { server.stop() }
            try Self.nft(lab, "iifname s2 drop")
            let target = "\(lab.serverAddress(link: 1)):\(Self.port)"
            let (status, json, _) = try Self.probe(lab, target, ["--payload", "hello\\n", "--subflow-wait", "2s"])
            #expect(status == 0, "\(json)")
            #expect(Self.subflows(json).filter { $0["up"] as? Bool == true }.count == 1)
            let missing = json["missing_paths"] as? [[String: Any]] ?? []
            #expect(missing.count == 1, "\(json)")
            #expect(missing.first?["from"] as? String == lab.clientAddress(link: 2))
            #expect(missing.first?["interface"] as? String == "c2")
            let reason = missing.first?["reason"] as? String ?? ""
            #expect(reason.hasPrefix("still connecting at the deadline") || reason.hasPrefix("a subflow was tried and closed"), "\(reason)")
            #expect(json["expected_subflows"] as? Int == 2)
            let required = try Self.probe(lab, target, ["--payload", "hello\\n", "--subflow-wait", "2s", "--min-subflows", "2"])
            #expect(required.status == 1)
            #expect((required.json["failure"] as? String)?.contains("1 subflow(s) up, 2 required; \(lab.clientAddress(link: 2)) → ") == true, "\(required.json)")
        }

        @Test("/probe: the allow-list refuses other targets; a real Prometheus probes through deploy/prometheus.yml's relabelling")
        func probeEndpointWithPrometheus() throws {
            let lab = try NetnsLab(tag: "prweb")
            defer { lab.destroy() }
            let server = try Self.server(lab, addresses: [lab.serverAddress(link: 1), lab.serverAddress(link: 2)])
            defer { server.stop() }
            let scratch = try TemporaryDirectory("probe-config")
            let allowed = "\(lab.serverAddress(link: 1)):\(Self.port)"
            try """
                modules:
                  mptcp:
                    timeout: 5s
                    subflow_wait: 1s
                    payload: "hello\\n"
                    min_subflows: 2
                allowed_targets:
                  - "\(allowed)"
                """.write(toFile: scratch.file("probe.yml"), atomically: false, encoding: .utf8)
            let exporter = try ExporterProcess(namespace: lab.client, arguments: ["--probe.config.file", scratch.file("probe.yml")])
            let ok = try exporter.request("/probe?target=\(allowed)")
            #expect(ok.status == 200 && ok.body.contains("probe_success 1\n"), "\(ok.body)")
            #expect(ok.body.contains("probe_mptcp_subflows{state=\"up\"} 2"))
            if Requirements.hasPromtool { #expect(try Golden.promtoolComplaints(ok.body) == "") }
            let refused = try exporter.request("/probe?target=\(lab.serverAddress(link: 2)):\(Self.port)")
            #expect(refused.status == 403 && refused.body.contains("not in the probe configuration's allowed_targets"), "\(refused)")
            let debug = try exporter.request("/probe?target=\(allowed)&debug=true")
            #expect(debug.body.hasPrefix("OK: MPTCP probe of \(allowed)") && debug.body.contains("Probe log:"), "\(debug.body)")

            try #require(Requirements.hasPrometheus, "prometheus is needed (apt-get install prometheus)")
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let example = try String(contentsOf: root.appendingPathComponent("deploy/prometheus.yml"), encoding: .utf8)
            let configuration = example
                .replacingOccurrences(of: "scrape_interval: 15s", with: "scrape_interval: 3s")
                .replacingOccurrences(of: "scrape_timeout: 10s", with: "scrape_timeout: 3s")
                .replacingOccurrences(of: "\"mptcp.example.org:443\"", with: "\"\(allowed)\"")
                .replacingOccurrences(of: "replacement: \"localhost:9262\"", with: "replacement: \"127.0.0.1:\(exporter.port)\"")
                .replacingOccurrences(of: "  - ../dashboards/mptcp-rules.yml\n", with: "")
            #expect(configuration.contains("metrics_path: /probe") && configuration.contains("127.0.0.1:\(exporter.port)"))
            let prometheus = try PrometheusServer(namespace: lab.client, configuration: configuration, port: 9091)
            var success: String?
            var up: String?
            for _ in 0..<60 {
                success = try? prometheus.queryValue("probe_success{job=\"mptcp_probe\",instance=\"\(allowed)\"}")
                up = try? prometheus.queryValue("probe_mptcp_subflows{job=\"mptcp_probe\",instance=\"\(allowed)\",state=\"up\"}")
                if success == "1", up == "2" { break }
                usleep(500_000)
            }
            #expect(success == "1" && up == "2", "\(prometheus.process.stderr.suffix(1500))")
            #expect(try prometheus.queryValue("probe_mptcp_capable{instance=\"\(allowed)\"}") == "1")
        }
    }
}
