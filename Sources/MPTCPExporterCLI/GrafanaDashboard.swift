import FoundationEssentials
import MPTCPWire
import MPTCPModel

/// Builds the Grafana dashboard from ``CounterCatalog``: one row per Case
/// diagram, its panels laid out like the diagram (what entered, the branches,
/// what completed, the ratios), so the dashboard cannot drift from the table
/// the exporter serves. `dashboards/mptcp-exporter.json` is this output.
enum GrafanaDashboard {
    static let uid = "mptcp-exporter"
    static var datasource: [String: Any] { ["type": "prometheus", "uid": "${datasource}"] }
    static let selector = #"job=~"$job", instance=~"$instance""#

    final class Layout {
        var panels: [[String: Any]] = []
        var nextID = 1
        var y = 0
        var x = 0
        var rowHeight = 0

        func row(_ title: String) {
            newLine()
            panels.append(["type": "row", "title": title, "id": nextID, "collapsed": false, "panels": [Any](),
                           "gridPos": ["h": 1, "w": 24, "x": 0, "y": y]])
            nextID += 1
            y += 1
        }

        func panel(_ type: String, _ title: String, width: Int, height: Int = 8, unit: String = "short",
                   description: String = "", targets: [(expr: String, legend: String)], extra: [String: Any] = [:]) {
            if x + width > 24 { newLine() }
            var panel: [String: Any] = [
                "type": type, "title": title, "id": nextID, "description": description,
                "datasource": GrafanaDashboard.datasource,
                "gridPos": ["h": height, "w": width, "x": x, "y": y],
                "fieldConfig": ["defaults": ["unit": unit], "overrides": [Any]()],
                "targets": targets.enumerated().map { index, target in
                    ["refId": String(UnicodeScalar(UInt8(65 + index % 26))), "expr": target.expr,
                     "legendFormat": target.legend, "datasource": GrafanaDashboard.datasource] as [String: Any]
                },
            ]
            if type == "timeseries" {
                panel["options"] = ["legend": ["displayMode": "table", "placement": "right", "calcs": ["lastNotNull", "max"]],
                                    "tooltip": ["mode": "multi", "sort": "desc"]]
            }
            for (key, value) in extra { panel[key] = value }
            panels.append(panel)
            nextID += 1
            x += width
            rowHeight = max(rowHeight, height)
        }

        func newLine() {
            if x > 0 { y += rowHeight }
            x = 0
            rowHeight = 0
        }
    }

    static func rate(_ series: String) -> String { "rate(\(series){\(selector)}[$__rate_interval])" }

    /// Ratios recorded by dashboards/mptcp-rules.yml, by diagram.
    static let ratios: [String: [(String, String)]] = [
        "mp_capable_active": [("mptcp:active_open_success_ratio:rate5m", "confirmed as MPTCP"),
                              ("mptcp:active_open_fallback_ratio:rate5m", "fell back (SYN+ACK without MP_CAPABLE)"),
                              ("mptcp:active_open_mptcp_share:rate5m", "share of TCP active opens asking for MPTCP")],
        "mp_capable_passive": [("mptcp:passive_open_fallback_ratio:rate5m", "fell back on the third ACK")],
        "mp_join_accepted": [("mptcp:join_accepted_success_ratio:rate5m", "joins accepted with a valid HMAC")],
        "mp_join_initiated": [("mptcp:join_initiated_success_ratio:rate5m", "joins completed with a valid HMAC")],
        "data": [("mptcp:subflows_stale:rate5m", "subflows marked stale per second")],
    ]

    static func build() -> [String: Any] {
        let layout = Layout()
        overviewRow(layout)
        diagramRows(layout)
        pathManagerRow(layout)
        lifecycleRow(layout)
        probeRow(layout)
        connectionsRow(layout)
        func variable(_ name: String, _ label: String, query: String) -> [String: Any] {
            ["name": name, "label": label, "type": "query", "datasource": datasource,
             "query": ["query": query, "refId": "\(name)-query"], "definition": query,
             "includeAll": true, "multi": true, "refresh": 2, "current": ["text": "All", "value": "$__all"], "sort": 1]
        }
        return [
            "uid": uid, "title": "MPTCP", "tags": ["mptcp", "network"], "timezone": "browser", "editable": true,
            "schemaVersion": 39, "version": 1, "refresh": "30s", "time": ["from": "now-6h", "to": "now"],
            "description": "Multipath TCP seen by mptcp-exporter: connections, subflows, the Case diagrams of the kernel's MPTcpExt counters, the path manager.",
            "annotations": ["list": [Any]()],
            "templating": ["list": [
                ["name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
                 "current": [String: Any](), "hide": 0] as [String: Any],
                variable("job", "Job", query: "label_values(mptcp_exporter_build_info, job)"),
                variable("instance", "Instance", query: "label_values(mptcp_exporter_build_info{job=~\"$job\"}, instance)"),
            ]],
            "panels": layout.panels,
        ]
    }

    /// Totals, states, subflows, traffic per interface, the exporter itself.
    static func overviewRow(_ layout: Layout) {
        let s = selector
        layout.row("Overview")
        layout.panel("stat", "MPTCP connections", width: 4, height: 5, description: "Established MPTCP connections.",
                     targets: [("sum(mptcp_connections{state=\"established\", \(s)})", "established")])
        layout.panel("stat", "Subflows", width: 4, height: 5, description: "Subflows of all MPTCP connections.",
                     targets: [("sum(mptcp_subflows{\(s)})", "subflows")])
        layout.panel("stat", "Fell back to TCP", width: 4, height: 5, unit: "percentunit",
                     description: "Share of current connections that fell back to TCP.", targets: [("sum(mptcp_connections_fallback{\(s)}) / clamp_min(sum(mptcp_connections{\(s)}), 1)", "fallback")])
        layout.panel("stat", "MPTCP enabled", width: 4, height: 5, description: "net.mptcp.enabled per instance.",
                     targets: [("min(mptcp_enabled{\(s)})", "enabled")])
        layout.panel("stat", "Collectors failing", width: 4, height: 5, description: "Collectors whose last scrape failed (see the exporter's log).",
                     targets: [("count(mptcp_exporter_scrape_collector_success{\(s)} == 0) or vector(0)", "failing")])
        layout.panel("stat", "Path-manager events", width: 4, height: 5, description: "1 when the exporter receives path-manager events.",
                     targets: [("min(mptcp_pm_events_available{\(s)})", "available")])
        layout.panel("timeseries", "Connections by state", width: 8, targets: [("sum by (state) (mptcp_connections{\(s)}) > 0", "{{state}}")])
        layout.panel("timeseries", "Subflows by role and priority", width: 8,
                     targets: [("sum by (role, priority) (mptcp_subflows{\(s)})", "{{role}} {{priority}}")])
        layout.panel("timeseries", "Connections by number of subflows", width: 8,
                     targets: [("sum by (subflows) (mptcp_connections_by_subflows{\(s)})", "{{subflows}} subflows")])
        layout.panel("timeseries", "Traffic per interface (acknowledged)", width: 12, unit: "Bps",
                     targets: [("sum by (interface) (\(rate("mptcp_interface_bytes_acked_total")))", "{{interface}} sent"),
                               ("sum by (interface) (\(rate("mptcp_interface_bytes_received_total")))", "{{interface}} received")])
        layout.panel("timeseries", "Subflows per interface", width: 12,
                     targets: [("sum by (interface) (mptcp_subflows_by_interface{\(s)})", "{{interface}}")])
        layout.panel("timeseries", "Exporter: collector duration", width: 12, unit: "s",
                     targets: [("max by (collector) (mptcp_exporter_scrape_collector_duration_seconds{\(s)})", "{{collector}}")])
        layout.panel("timeseries", "TCP beside MPTCP: opens per second", width: 12, unit: "ops",
                     targets: [("sum(\(rate("mptcp_tcp_active_opens_total")))", "TCP active opens"),
                               ("sum(\(rate("mptcp_ext_mp_capable_syntx_total")))", "MPTCP active opens (MPCapableSYNTX)"),
                               ("sum(\(rate("mptcp_tcp_passive_opens_total")))", "TCP passive opens"),
                               ("sum(\(rate("mptcp_ext_mp_capable_synrx_total")))", "MPTCP passive opens (MPCapableSYNRX)")])
    }

    /// One row per Case diagram: what entered, left and went through, and its ratios.
    static func diagramRows(_ layout: Layout) {
        let s = selector
        for diagram in CounterCatalog.diagrams where diagram.id != CounterCatalog.otherDiagramID {
            layout.row("Case diagram: \(diagram.title)")
            let members = CounterCatalog.mptcp.filter { $0.diagram == diagram.id }
            func targets(_ counters: [CounterDescriptor]) -> [(expr: String, legend: String)] {
                counters.map { counter in
                    counter.kind == .gauge
                        ? ("sum(\(counter.seriesName){\(s)})", counter.name)
                        : ("sum(\(rate(counter.seriesName)))", "\(counter.name) (\(counter.role.rawValue))")
                }
            }
            if diagram.lanes.count == 1 {
                let entered = members.filter { $0.role == .entry }
                let branches = members.filter { $0.role == .branch }
                let through = members.filter { [.pass, .exit, .detail].contains($0.role) }
                let ratios = ratios[diagram.id] ?? []
                let width = ratios.isEmpty ? 8 : 6
                layout.panel("timeseries", "Entered", width: width, unit: "ops", description: diagram.summary, targets: targets(entered))
                layout.panel("timeseries", "Left the flow (branches)", width: width, unit: "ops", targets: targets(branches))
                layout.panel("timeseries", "Went through / completed", width: width, unit: "ops", targets: targets(through))
                if !ratios.isEmpty {
                    layout.panel("timeseries", "Ratios", width: width, unit: "percentunit",
                                 targets: ratios.map { ("\($0.0){\(s)}", "{{instance}} \($0.1)") })
                }
            } else {
                let lanes = diagram.lanes.enumerated().filter { index, _ in members.contains { $0.lane == index } }
                for (index, lane) in lanes {
                    layout.panel("timeseries", lane.title, width: lanes.count >= 3 ? 8 : 12, unit: members.contains { $0.lane == index && $0.kind == .gauge } ? "short" : "ops",
                                 description: index == lanes.first?.offset ? diagram.summary : "",
                                 targets: targets(members.filter { $0.lane == index }))
                }
                for (expr, legend) in ratios[diagram.id] ?? [] {
                    layout.panel("timeseries", "Ratio: \(legend)", width: 8, targets: [("\(expr){\(s)}", "{{instance}}")])
                }
            }
        }
    }

    /// Endpoints, limits, events and subflow closes.
    static func pathManagerRow(_ layout: Layout) {
        let s = selector
        layout.row("Path manager")
        layout.panel("table", "Endpoints", width: 12, description: "ip mptcp endpoint show, per instance.",
                     targets: [("max by (instance, id, address, port, interface, flags) (mptcp_endpoint_info{\(s)})", "")],
                     extra: ["transformations": [["id": "labelsToFields", "options": [String: Any]()]]])
        layout.panel("timeseries", "Limits", width: 6,
                     targets: [("max by (instance) (mptcp_limit_subflows{\(s)})", "{{instance}} subflows"),
                               ("max by (instance) (mptcp_limit_add_addr_accepted{\(s)})", "{{instance}} add_addr_accepted")])
        layout.panel("timeseries", "Endpoints by flag", width: 6,
                     targets: [("sum by (flag) (mptcp_endpoints_by_flag{\(s)})", "{{flag}}")])
        layout.panel("timeseries", "Path-manager events per second", width: 12, unit: "ops",
                     targets: [("sum by (type) (\(rate("mptcp_pm_events_total"))) > 0", "{{type}}")])
        layout.panel("timeseries", "Subflows closed, by error and MP_RST reason", width: 12, unit: "ops",
                     targets: [("sum by (error, reset_reason) (\(rate("mptcp_pm_subflows_closed_total")))", "{{error}} / {{reset_reason}}")])
        layout.panel("timeseries", "Connections by verdict", width: 16,
                     description: "Why connections have the paths they have: multipath, backup_standby, single_path and fallback with their reason (README, Diagnostic report). `mptcp-exporter report` names the endpoint, interface or peer at fault.",
                     targets: [("sum by (kind, reason) (mptcp_connections_by_verdict{\(s)}) > 0", "{{kind}} {{reason}}")])
        layout.panel("timeseries", "Connections needing action", width: 8,
                     targets: [("sum by (instance) (mptcp_connections_needing_action{\(s)})", "{{instance}}")])
    }

    /// The subflow ledger: the lifecycle histograms as heatmaps, how subflows
    /// end, and whether the kernel's destroy notifications arrive.
    static func lifecycleRow(_ layout: Layout) {
        let s = selector
        func heatmap(_ title: String, _ histogram: String, unit: String, description: String) {
            layout.panel("heatmap", title, width: 12, unit: unit, description: description,
                         targets: [("sum by (le) (increase(\(histogram)_bucket{\(s)}[$__rate_interval]))", "{{le}}")],
                         extra: ["options": ["calculate": false, "yAxis": ["unit": unit],
                                             "cellGap": 1, "color": ["mode": "scheme", "scheme": "Oranges"]],
                                 "targets": [["refId": "A", "expr": "sum by (le) (increase(\(histogram)_bucket{\(s)}[$__rate_interval]))",
                                              "legendFormat": "{{le}}", "format": "heatmap", "datasource": GrafanaDashboard.datasource] as [String: Any]]])
        }
        layout.row("Connection lifecycle (subflow ledger)")
        heatmap("Connection duration", "mptcp_connection_duration_seconds", unit: "s",
                description: "From the path manager's created event to its closed event, per connection.")
        heatmap("Join latency", "mptcp_subflow_join_latency_seconds", unit: "s",
                description: "From a connection's establishment to each additional subflow's (sub_established). Seconds here mean joins waiting on SYN retransmissions.")
        heatmap("Subflow lifetime", "mptcp_subflow_lifetime_seconds", unit: "s",
                description: "From a subflow's establishment to the kernel's destroy notification of its socket.")
        heatmap("Bytes per connection at close", "mptcp_closed_connection_bytes", unit: "decbytes",
                description: "Bytes acknowledged plus received over all subflows of each connection that ended (final values from the destroy notifications).")
        layout.panel("timeseries", "Join latency, 50th and 95th percentile by interface", width: 12, unit: "s",
                     targets: [("histogram_quantile(0.5, sum by (interface, le) (\(rate("mptcp_subflow_join_latency_seconds_bucket"))))", "p50 {{interface}}"),
                               ("histogram_quantile(0.95, sum by (interface, le) (\(rate("mptcp_subflow_join_latency_seconds_bucket"))))", "p95 {{interface}}")])
        layout.panel("timeseries", "Subflows per connection at close (mean)", width: 6,
                     targets: [("sum(\(rate("mptcp_closed_connection_subflows_sum"))) / sum(\(rate("mptcp_closed_connection_subflows_count")))", "mean")])
        layout.panel("timeseries", "Connections ended per second", width: 6, unit: "ops",
                     targets: [("sum by (instance) (\(rate("mptcp_connections_ended_total")))", "{{instance}}")])
        layout.panel("timeseries", "Subflow ends by interface and how", width: 12, unit: "ops",
                     description: "with_connection: destroyed with their connection; an errno name or MP_RST reason: ended on their own with that error; unobserved: no notification.",
                     targets: [("sum by (interface, end) (\(rate("mptcp_subflows_ended_total"))) > 0", "{{interface}} {{end}}")])
        layout.panel("timeseries", "Ledger: notifications, lost, closed without one", width: 12, unit: "ops",
                     description: "Destroy notifications of MPTCP subflows and of other TCP sockets (dropped on receipt), ENOBUFS losses, subflows whose bytes were closed from the last scrape for want of a notification, and whether the listener paused because the namespace frees more TCP sockets than --collector.connections.ledger.max-rate.",
                     targets: [("sum by (socket) (\(rate("mptcp_ledger_notifications_total")))", "notifications {{socket}}"),
                               ("sum(\(rate("mptcp_ledger_notifications_lost_total")))", "lost (ENOBUFS)"),
                               ("sum(rate(mptcp_ledger_subflows_closed_total{source=\"scrape\", \(s)}[$__rate_interval]))", "closed without notification"),
                               ("min(mptcp_ledger_available{\(s)})", "available (min)"),
                               ("max(mptcp_ledger_paused{\(s)})", "paused for want of budget (max)")])
    }

    /// Probes (the mptcp_probe job of deploy/prometheus.yml): the probe's
    /// own job and instance labels (the target), so no $job/$instance filter;
    /// `and on(instance, job) probe_mptcp_capable` keeps other exporters' probe_success out.
    static func probeRow(_ layout: Layout) {
        layout.row("MPTCP probes (GET /probe, deploy/prometheus.yml job mptcp_probe)")
        layout.panel("timeseries", "Probe success by target", width: 8,
                     description: "1 when the probe succeeded: MPTCP negotiated (or a fallback the module allows) with the module's subflows.",
                     targets: [("max by (instance) (probe_success and on(instance, job) probe_mptcp_capable)", "{{instance}}")])
        layout.panel("timeseries", "Fallback to TCP by target and stage", width: 8,
                     description: "syn_dropped: SYNs with the MPTCP option dropped on the path; synack_without_mp_capable: the server or a middlebox does not speak MPTCP; after_handshake; active_mptcp_disabled: this host disabled MPTCP after a blackhole.",
                     targets: [("max by (instance, stage) (probe_mptcp_fallback) > 0", "{{instance}} {{stage}}")])
        layout.panel("timeseries", "Subflows up and expected", width: 8,
                     targets: [("max by (instance) (probe_mptcp_subflows{state=\"up\"})", "{{instance}} up"),
                               ("max by (instance) (probe_mptcp_subflows_expected)", "{{instance}} expected")])
        layout.panel("table", "Paths that did not come up", width: 12,
                     targets: [("max by (instance, from, towards, interface, reason) (probe_mptcp_path_missing)", "")],
                     extra: ["transformations": [["id": "labelsToFields", "options": [String: Any]()]]])
        layout.panel("timeseries", "Probe subflow RTT and connect time", width: 12, unit: "s",
                     targets: [("probe_mptcp_subflow_rtt_seconds", "{{instance}} {{local}} via {{interface}}"),
                               ("probe_mptcp_connect_duration_seconds", "{{instance}} connect")])
    }

    /// Per-connection and per-subflow series (with --collector.connections.per-connection).
    static func connectionsRow(_ layout: Layout) {
        let s = selector
        layout.row("Connections and subflows (needs --collector.connections.per-connection)")
        layout.panel("table", "Connections", width: 24,
                     targets: [("max by (instance, token, local, remote, state, fallback) (mptcp_connection_info{\(s)})", "")],
                     extra: ["transformations": [["id": "labelsToFields", "options": [String: Any]()]]])
        layout.panel("timeseries", "Subflow RTT", width: 12, unit: "s",
                     targets: [("mptcp_subflow_rtt_seconds{\(s)}", "{{token}} {{local}} → {{remote}}")])
        layout.panel("timeseries", "Subflow congestion window", width: 12,
                     targets: [("mptcp_subflow_cwnd_segments{\(s)}", "{{token}} {{local}} → {{remote}}")])
        layout.panel("timeseries", "Bytes per connection (sent)", width: 12, unit: "Bps",
                     targets: [("\(rate("mptcp_connection_bytes_sent_total"))", "{{token}}")])
        layout.panel("timeseries", "Share of each subflow in its connection's traffic", width: 12, unit: "percentunit",
                     targets: [("\(rate("mptcp_subflow_bytes_acked_total")) / on(instance, token) group_left() clamp_min(sum by (instance, token) (\(rate("mptcp_subflow_bytes_acked_total"))), 1)", "{{token}} {{local}}")])
    }

    static func json() throws -> String {
        PrettyJSON.render(build()) + "\n"
    }
}
