import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// The report against real traffic in namespaces.
    @Suite("Report end to end", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                     "needs root, iproute2 and net.mptcp.enabled=1 for network namespaces"))
    struct ReportEndToEndTests {
        static func json(_ text: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        }
        static func findings(_ report: [String: Any]) -> [[String: Any]] { report["findings"] as? [[String: Any]] ?? [] }
        static func counter(_ report: [String: Any], _ name: String) -> [String: Any]? {
            for diagram in report["diagrams"] as? [[String: Any]] ?? [] {
                if let counter = (diagram["counters"] as? [[String: Any]] ?? []).first(where: { $0["name"] as? String == name }) { return counter }
            }
            return nil
        }

        /// Runs `report` in the client namespace while `traffic` runs.
        static func report(_ lab: NetnsLab, interval: Int = 4, arguments: [String] = [], during traffic: () throws -> Void) throws -> String {
            let report = try lab.spawn(lab.client, [Products.exporter, "report", "--interval", "\(interval)", "--format", "json"] + arguments)
            defer { report.stop() }
            usleep(500_000)
            try traffic()
            #expect(report.waitForExit(timeout: Double(interval) + 30))
            #expect(report.exitStatus == 0, "\(report.stderr)")
            return report.stdout
        }

        @Test("a healthy 2-subflow transfer: no finding, both subflows shown, the join counters moving")
        func healthy() throws {
            let lab = try NetnsLab(tag: "rep")
            defer { lab.destroy() }
            var held: BackgroundProcess?
            var sink: BackgroundProcess?
            defer { held?.stop(); sink?.stop() }
            let report = try Self.json(try Self.report(lab) {
                sink = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", "\(lab.serverAddress(link: 1)):5201", "--timeout", "30"])
                #expect(sink?.waitForOutput(timeout: 10) { out, _ in out.contains("listening") } == true)
                held = try lab.spawn(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5201",
                                                  "--bytes", "2000000", "--subflows", "2", "--hold", "20", "--timeout", "25"])
                #expect(held?.waitForOutput(timeout: 10) { out, _ in out.contains("reached_subflows\":1") } == true)
            })
            #expect(Self.findings(report).isEmpty, "\(Self.findings(report).compactMap { $0["id"] })")
            let connections = report["connections"] as? [String: Any] ?? [:]
            #expect(connections["count"] as? Int == 1)
            let list = connections["list"] as? [[String: Any]] ?? []
            let subflows = list.first?["subflows"] as? [[String: Any]] ?? []
            #expect(subflows.map { $0["role"] as? String } == ["initial", "join"])
            #expect(Set(subflows.compactMap { $0["interface"] as? String }) == ["c1", "c2"])
            #expect(Self.counter(report, "MPJoinSynTx")?["change"] as? Int == 1)
            #expect(Self.counter(report, "MPJoinSynAckRx")?["change"] as? Int == 1)
            #expect(Self.counter(report, "MPCapableSYNTX")?["change"] as? Int == 1)
            let events = report["events"] as? [String: Any] ?? [:]
            #expect(events["available"] as? Bool == true)
            #expect((events["by_type"] as? [String: Any])?["sub_established"] as? Int == 1)
        }

        @Test("an MPTCP client talking to a plain TCP server: the fallback finding, with nstat's numbers")
        func fallback() throws {
            let lab = try NetnsLab(tag: "repfb")
            defer { lab.destroy() }
            let text = try Self.report(lab) {
                try lab.transfer(connections: 2, bytes: 100_000, subflows: 1, port: 5301, plainTCPServer: true)
            }
            let report = try Self.json(text)
            let finding = try #require(Self.findings(report).first { $0["id"] as? String == "active_open_fallback" }, "\(Self.findings(report))")
            let nstat = try Nstat.mptcp(namespace: lab.client)
            let evidence = finding["evidence"] as? [[String: Any]] ?? []
            #expect(evidence.first { $0["name"] as? String == "MPCapableFallbackSYNACK" }?["value"] as? String == String(nstat["MPCapableFallbackSYNACK"] ?? 0))
            #expect(evidence.first { $0["name"] as? String == "MPCapableFallbackSYNACK" }?["change"] as? String == "+2")
            #expect(evidence.first { $0["name"] as? String == "MPCapableSYNTX" }?["change"] as? String == "+2")
            #expect(finding["severity"] as? String == "warning")
            #expect((finding["title"] as? String)?.hasPrefix("100%") == true)
        }

        @Test("a namespace with no endpoints: the no-extra-subflows finding")
        func noEndpoints() throws {
            var options = NetnsLab.Options()
            options.clientSubflowEndpoint = false
            let lab = try NetnsLab(tag: "repne", options: options)
            defer { lab.destroy() }
            let report = try Self.json(try Self.report(lab, interval: 2) {
                try lab.transfer(connections: 1, bytes: 100_000, subflows: 1)
            })
            #expect(Self.findings(report).map { $0["id"] as? String } == ["no_extra_subflows"])
        }

        @Test("snapshot, then report --from elsewhere: the same JSON")
        func snapshotRoundTrip() throws {
            let lab = try NetnsLab(tag: "snap")
            defer { lab.destroy() }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let snapshot = try lab.spawn(lab.client, [Products.exporter, "snapshot", "--interval", "3", "-o", directory + "/s.tar", "--report", directory + "/live.json"])
            usleep(500_000)
            try lab.transfer(connections: 2, bytes: 500_000, subflows: 2)
            #expect(snapshot.waitForExit(timeout: 30))
            // Offline: in the host namespace, from the archive only.
            let offline = try Command.check([Products.exporter, "report", "--from", directory + "/s.tar", "--format", "json"])
            let live = try String(contentsOfFile: directory + "/live.json", encoding: .utf8)
            #expect(offline == live)
            #expect((try Self.json(offline)["connections"] as? [String: Any])?["count"] != nil)
            let tar = try Command.check(["tar", "-tf", directory + "/s.tar"])
            for member in ["meta", "sample-1/netstat", "sample-2/snmp", "sockdiag/mptcp-inet.bin", "genl/get-addr.bin", "sysctl/enabled", "routes"] {
                #expect(tar.contains(member), "\(member) missing from the archive")
            }
        }
    }
}

/// The HTML report in a real browser.
@Suite("HTML report in Chromium")
struct ReportScreenshotTests {
    @Test("headless Chromium renders the report with its Case diagrams visible")
    func screenshot() throws {
        let chromium = Command.which("chromium") ?? Command.which("chromium-browser")
        try #require(chromium != nil, "chromium is needed (apt-get install chromium)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("html-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let html = try Command.check([Products.exporter, "report", "--interval", "0", "--events", "off", "--format", "html"])
        try html.write(toFile: directory + "/report.html", atomically: true, encoding: .utf8)
        let shot = try Command.run([chromium ?? "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                    "--user-data-dir=\(directory)/profile", "--window-size=1300,2400",
                                    "--screenshot=\(directory)/report.png", "file://\(directory)/report.html"], timeout: 120)
        #expect(shot.succeeded, "\(shot.stderr.suffix(500))")
        let png = try PNG([UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/report.png"))))
        #expect(png.width == 1300 && png.height == 2400)
        // The flows' arrows are drawn in #90a4ae: thousands of such pixels mean the SVG diagrams rendered.
        let arrows = png.count(r: 0x90, g: 0xa4, b: 0xae)
        #expect(arrows > 2000, "\(arrows) arrow pixels")
        // And the page is not blank: dark text pixels.
        #expect(png.count(r: 0x22, g: 0x22, b: 0x22, tolerance: 30) > 5000)
    }
}
