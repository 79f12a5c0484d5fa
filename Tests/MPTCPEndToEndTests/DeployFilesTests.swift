import Foundation
import MPTCPModel
import Testing
import TestSupport
import Yams

/// dashboards/ and deploy/: checked with the tools that read them, and against
/// the names the exporter really serves.
@Suite("Dashboards, rules and deployment files", .serialized)
struct DeployFilesTests {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    static func text(_ relative: String) throws -> String { try String(contentsOfFile: path(relative), encoding: .utf8) }

    /// Every metric family name the exporter declares with all collectors on
    /// (per-connection series included), plus the golden files' (the 5.18
    /// counters), plus the MPTcpExt counters of the catalogue: each is served
    /// whenever the running kernel has it (MPJoinNoIdFound is newer than 6.18).
    static func servedNames() throws -> Set<String> {
        let exporter = try ExporterProcess(arguments: ["--collector.connections.per-connection"])
        var names = Set(CounterCatalog.mptcp.map(\.seriesName))
        for text in [try exporter.scrape(), try Golden.text("metrics-6.18.prom"), try Golden.text("metrics-5.18.prom")] {
            for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
                let fields = line.split(separator: " ")
                names.insert(String(fields[2]))
                // A histogram is queried through its series.
                if fields.count > 3, fields[3] == "histogram" {
                    for suffix in ["_bucket", "_sum", "_count"] { names.insert(String(fields[2]) + suffix) }
                }
            }
        }
        return names
    }

    /// `mptcp_…` series and `mptcp:…` recorded series named in PromQL.
    static func metricNames(in expression: String) -> Set<String> {
        var names = Set<String>()
        var current = ""
        for char in expression + " " {
            if char.isLetter || char.isNumber || char == "_" || char == ":" { current.append(char); continue }
            if current.hasPrefix("mptcp_") || current.hasPrefix("mptcp:") { names.insert(current) }
            current = ""
        }
        return names
    }

    static func rules() throws -> [[String: Any]] {
        let document = try Yams.load(yaml: try text("dashboards/mptcp-rules.yml")) as? [String: Any]
        let groups = document?["groups"] as? [[String: Any]] ?? []
        return groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
    }

    static func dashboard() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try text("dashboards/mptcp-exporter.json").utf8)) as? [String: Any] ?? [:]
    }

    @Test("promtool check rules and promtool test rules (a unit test for every alert)")
    func promtoolRules() throws {
        try #require(Requirements.hasPromtool, "promtool is needed (apt-get install prometheus)")
        let check = try Command.run(["promtool", "check", "rules", Self.path("dashboards/mptcp-rules.yml")])
        #expect(check.succeeded, "\(check.stdout)\(check.stderr)")
        let test = try Command.run(["promtool", "test", "rules", Self.path("dashboards/tests/mptcp-rules-test.yml")])
        #expect(test.succeeded, "\(test.stdout)\(test.stderr)")
        let alerts = Set(try Self.rules().compactMap { $0["alert"] as? String })
        let tested = try Self.text("dashboards/tests/mptcp-rules-test.yml")
        for alert in alerts {
            #expect(tested.contains("alertname: \(alert)"), "\(alert) has no unit test")
        }
        #expect(alerts.count >= 10)
        for rule in try Self.rules() where rule["alert"] != nil {
            let annotations = rule["annotations"] as? [String: Any] ?? [:]
            #expect(annotations["summary"] != nil && annotations["description"] != nil && annotations["runbook"] != nil, "\(rule["alert"] ?? "")")
        }
    }

    @Test("every metric name the dashboard and the rules use is one the exporter serves")
    func namesExist() throws {
        let served = try Self.servedNames()
        let rules = try Self.rules()
        let recorded = Set(rules.compactMap { $0["record"] as? String })
        var used = Set<String>()
        for rule in rules { used.formUnion(Self.metricNames(in: rule["expr"] as? String ?? "")) }
        for panel in (try Self.dashboard())["panels"] as? [[String: Any]] ?? [] {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                used.formUnion(Self.metricNames(in: target["expr"] as? String ?? ""))
            }
        }
        #expect(used.count > 60)
        let unknown = used.filter { !served.contains($0) && !recorded.contains($0) }
        #expect(unknown.isEmpty, "not served by the exporter: \(unknown.sorted())")
    }

    @Test("the dashboard: generated from the catalogue, datasource and job/instance variables, every panel has targets, unique ids")
    func dashboardStructure() throws {
        let generated = try Command.check([Products.exporter, "dashboard"])
        #expect(generated == (try Self.text("dashboards/mptcp-exporter.json")),
                "dashboards/mptcp-exporter.json is stale: regenerate with `mptcp-exporter dashboard > dashboards/mptcp-exporter.json`")
        let dashboard = try Self.dashboard()
        let variables = ((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]]) ?? []
        let byName = Dictionary(uniqueKeysWithValues: variables.compactMap { variable in (variable["name"] as? String).map { ($0, variable) } })
        #expect(byName["datasource"]?["type"] as? String == "datasource")
        #expect(byName["datasource"]?["query"] as? String == "prometheus")
        #expect(byName["job"] != nil && byName["instance"] != nil)
        let panels = dashboard["panels"] as? [[String: Any]] ?? []
        let ids = panels.compactMap { $0["id"] as? Int }
        #expect(ids.count == panels.count)
        #expect(Set(ids).count == ids.count, "duplicate panel ids")
        let rows = panels.filter { $0["type"] as? String == "row" }.compactMap { $0["title"] as? String }
        for diagram in ["MP_CAPABLE, active opens", "MP_CAPABLE, passive opens", "MP_JOIN, accepting subflows", "MP_JOIN, initiating subflows",
                        "Address management", "Abnormal termination and fallback", "Data transfer"] {
            #expect(rows.contains { $0.contains(diagram) }, "no row for \(diagram)")
        }
        #expect(rows.contains("Overview") && rows.contains("Path manager"))
        for panel in panels where panel["type"] as? String != "row" {
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "panel \(panel["title"] ?? "") has no target")
            for target in targets {
                #expect(!(target["expr"] as? String ?? "").isEmpty)
                #expect((target["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}")
            }
            #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}")
            let grid = panel["gridPos"] as? [String: Any]
            #expect(((grid?["x"] as? Int) ?? 99) + ((grid?["w"] as? Int) ?? 99) <= 24)
        }
    }

    @Test("systemd-analyze verify on the unit; it asks for CAP_NET_ADMIN only and a dynamic user")
    func systemdUnit() throws {
        try #require(Command.which("systemd-analyze") != nil, "systemd-analyze is needed (apt-get install systemd)")
        let unit = try Self.text("deploy/systemd/mptcp-exporter.service")
        #expect(unit.contains("DynamicUser=yes"))
        #expect(unit.contains("CapabilityBoundingSet=CAP_NET_ADMIN\n"))
        #expect(unit.contains("AmbientCapabilities=CAP_NET_ADMIN\n"))
        #expect(unit.contains("NoNewPrivileges=yes"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("mptcp-exporter.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/mptcp-exporter", with: Products.exporter).write(to: file, atomically: true, encoding: .utf8)
        let verify = try Command.run(["systemd-analyze", "verify", file.path])
        #expect(verify.succeeded && verify.stderr.isEmpty, "\(verify.stderr)")
    }

    @Test("Kubernetes files parse and carry what the exporter needs")
    func kubernetes() throws {
        let daemonSet = try Yams.load(yaml: try Self.text("deploy/kubernetes/daemonset.yaml")) as? [String: Any] ?? [:]
        #expect(daemonSet["kind"] as? String == "DaemonSet")
        let spec = ((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any] ?? [:]
        #expect(spec["hostNetwork"] as? Bool == true)
        let container = (spec["containers"] as? [[String: Any]])?.first ?? [:]
        let security = container["securityContext"] as? [String: Any] ?? [:]
        let capabilities = security["capabilities"] as? [String: Any] ?? [:]
        #expect(capabilities["add"] as? [String] == ["NET_ADMIN"])
        #expect(capabilities["drop"] as? [String] == ["ALL"])
        #expect(security["allowPrivilegeEscalation"] as? Bool == false)
        #expect(security["readOnlyRootFilesystem"] as? Bool == true)
        let resources = container["resources"] as? [String: Any] ?? [:]
        #expect((resources["requests"] as? [String: Any])?["memory"] != nil && (resources["limits"] as? [String: Any])?["memory"] != nil)
        #expect((resources["requests"] as? [String: Any])?["cpu"] != nil && (resources["limits"] as? [String: Any])?["cpu"] != nil)
        let ports = container["ports"] as? [[String: Any]] ?? []
        #expect(ports.first?["containerPort"] as? Int == 9262)
        #expect(ports.first?["name"] as? String == "metrics")
        #expect(container["readinessProbe"] != nil && container["livenessProbe"] != nil)
        let podLabels = ((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])?["metadata"] as? [String: Any]
        let appLabel = (podLabels?["labels"] as? [String: Any])?["app.kubernetes.io/name"] as? String

        let service = try Yams.load(yaml: try Self.text("deploy/kubernetes/service.yaml")) as? [String: Any] ?? [:]
        #expect(service["kind"] as? String == "Service")
        #expect(((service["spec"] as? [String: Any])?["selector"] as? [String: Any])?["app.kubernetes.io/name"] as? String == appLabel)
        #expect(((service["spec"] as? [String: Any])?["ports"] as? [[String: Any]])?.first?["name"] as? String == "metrics")

        let monitor = try Yams.load(yaml: try Self.text("deploy/kubernetes/servicemonitor.yaml")) as? [String: Any] ?? [:]
        #expect(monitor["kind"] as? String == "ServiceMonitor")
        let monitorSpec = monitor["spec"] as? [String: Any] ?? [:]
        #expect(((monitorSpec["selector"] as? [String: Any])?["matchLabels"] as? [String: Any])?["app.kubernetes.io/name"] as? String == appLabel)
        #expect((monitorSpec["endpoints"] as? [[String: Any]])?.first?["port"] as? String == "metrics")

        let scrape = try Yams.load(yaml: try Self.text("deploy/kubernetes/prometheus-scrape.yml")) as? [String: Any] ?? [:]
        let job = (scrape["scrape_configs"] as? [[String: Any]])?.first ?? [:]
        #expect(job["kubernetes_sd_configs"] != nil)
        #expect(try Self.text("deploy/kubernetes/prometheus-scrape.yml").contains("regex: \(appLabel ?? "?")"))
    }

    @Test("the Dockerfile builds with scripts/package.sh and installs that package in a slim runtime stage")
    func dockerfile() throws {
        let lines = try Self.text("deploy/Dockerfile").split(separator: "\n")
        let stages = lines.filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(stages.first?.contains("swift:") == true && stages.first?.hasSuffix("AS build") == true)
        #expect(stages.last?.contains("-slim") == true)
        #expect(lines.contains { $0.hasPrefix("RUN ./scripts/package.sh") }, "the same build as the package")
        #expect(lines.contains { $0.contains("apt-get install") && $0.contains("mptcp-exporter_*.deb") })
        #expect(lines.contains { $0.hasPrefix("COPY --from=build") })
        #expect(lines.contains { $0.hasPrefix("USER 65534") })
        // Every file the build stage needs is copied in: the package script reads these.
        for needed in ["Package.swift", "Sources", "Tests", "scripts", "deploy", "dashboards", "README.md"] {
            #expect(lines.contains { $0.hasPrefix("COPY ") && $0.contains(needed) }, "\(needed)")
        }
    }

    @Test("promtool check config on the example prometheus.yml")
    func prometheusConfig() throws {
        try #require(Requirements.hasPromtool, "promtool is needed (apt-get install prometheus)")
        let check = try Command.run(["promtool", "check", "config", Self.path("deploy/prometheus.yml")])
        #expect(check.succeeded, "\(check.stdout)\(check.stderr)")
    }
}
