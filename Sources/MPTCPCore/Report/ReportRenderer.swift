/// Renders a ``Report`` as text for a terminal or as Markdown for a bug report.
public enum ReportRenderer {
    public enum Style: Sendable { case text, markdown }

    public static func render(_ report: Report, style: Style) -> String {
        var out: [String] = []
        let md = style == .markdown
        func heading(_ title: String) {
            out.append("")
            if md { out.append("## \(title)") } else { out += [title.uppercased(), String(repeating: "=", count: title.count)] }
        }
        func table(_ header: [String], _ rows: [[String]]) {
            guard !rows.isEmpty else { out.append(md ? "_none_" : "  (none)"); return }
            if md {
                out.append("| " + header.joined(separator: " | ") + " |")
                out.append("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
                for row in rows { out.append("| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |") }
            } else {
                let widths = header.indices.map { index in ([header[index]] + rows.map { $0[index] }).map(\.count).max() ?? 0 }
                func line(_ cells: [String]) -> String {
                    var text = "  " + cells.enumerated().map { $1 + String(repeating: " ", count: max(0, widths[$0] - $1.count)) }.joined(separator: "  ")
                    while text.hasSuffix(" ") { text.removeLast() }
                    return text
                }
                out.append(line(header))
                for row in rows { out.append(line(row)) }
            }
        }

        out.append(md ? "# MPTCP report: \(report.host.hostname)" : "MPTCP report: \(report.host.hostname)")
        out.append((md ? "" : "") + "kernel \(report.host.kernel), interval \(format(report.intervalSeconds)) s")

        heading("Findings")
        if report.findings.isEmpty {
            out.append(md ? "No finding: nothing in the counters, the configuration or the connections points at a problem." : "  No finding: nothing in the counters, the configuration or the connections points at a problem.")
        }
        for finding in report.findings {
            let title = "[\(finding.severity.rawValue.uppercased())] \(finding.title) (\(finding.id))"
            out.append(md ? "### \(title)" : "")
            if !md { out.append("* " + title) }
            let evidence = finding.evidence.map { "\($0.name) = \($0.value)" + ($0.change.map { " (\($0) over the interval)" } ?? "") }
            if md {
                out.append("Evidence: " + evidence.map { "`\($0)`" }.joined(separator: ", "))
                out.append("")
                out.append("**What it means.** \(finding.meaning)")
                out.append("")
                out.append("**What to do.** \(finding.action)")
            } else {
                out.append("  evidence: " + evidence.joined(separator: "; "))
                out.append("  meaning:  " + finding.meaning)
                out.append("  action:   " + finding.action)
            }
        }

        heading("System")
        table(["setting", "value"], [
            ["MPTCP enabled", report.host.mptcpEnabled.map { $0 ? "yes" : "no" } ?? "unknown"],
            ["path manager", report.host.pathManager ?? "unknown"],
            ["scheduler", report.host.scheduler ?? "unknown"],
        ] + report.host.sysctls.sorted { $0.key < $1.key }.map { ["net.mptcp.\($0.key)", $0.value] })

        heading("Path manager")
        if !report.pathManager.available { out.append(md ? "_endpoints and limits could not be read_" : "  endpoints and limits could not be read") }
        table(["id", "address", "port", "interface", "flags"], report.pathManager.endpoints.map {
            [String($0.id), $0.address, $0.port.map(String.init) ?? "", $0.interface ?? "", $0.flags.joined(separator: ",")]
        })
        if let limits = report.pathManager.limits {
            out.append((md ? "" : "  ") + "limits: subflows \(limits.subflows.map(String.init) ?? "?"), add_addr_accepted \(limits.addAddrAccepted.map(String.init) ?? "?")")
        }
        if !report.pathManager.routeChecks.isEmpty {
            table(["endpoint", "route get", "result"], report.pathManager.routeChecks.map {
                [String($0.endpointID), "\($0.destination) from \($0.source)", $0.interface.map { "dev \($0)" } ?? ($0.error ?? "no route")]
            })
        }

        heading("Connections")
        let c = report.connections
        out.append((md ? "" : "  ") + "\(c.count) MPTCP connections (\(c.fallback) fell back to TCP\(c.fallbackShare.map { ", " + FindingRules.percent($0) } ?? "")), \(c.subflows) subflows, \(c.listeners) listeners")
        if c.count > 0 {
        table(["subflows per connection", "connections"], c.bySubflowCount.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.map { [$0.key, String($0.value)] })
        table(["interface", "subflows", "bytes acked", "bytes received", "share"], c.byInterface.map {
            [$0.interface, String($0.subflows), String($0.bytesAcked), String($0.bytesReceived), $0.share.map(FindingRules.percent) ?? ""]
        })
        let shown = c.list.prefix(50)
        table(["token", "local", "remote", "state", "subflows"], shown.map { connection in
            [connection.token + (connection.fallback ? " (fallback)" : ""), connection.local, connection.remote, connection.state,
             connection.subflows.map { "\($0.role)/\($0.priority) \($0.local) via \($0.interface ?? "?")" }.joined(separator: "; ")]
        })
        if c.list.count > shown.count { out.append((md ? "" : "  ") + "… \(c.list.count - shown.count) more in the JSON report") }
        }

        heading("Case diagrams")
        out.append(md ? "Value since boot, and change over the interval." : "  value since boot, +change over the interval")
        for diagram in report.diagrams {
            out.append("")
            out.append(md ? "### \(diagram.title)" : "  \(diagram.title)")
            table(["counter", "role", "lane", "value", "change"], diagram.counters.map {
                [$0.name, $0.role ?? "", $0.lane ?? "", String($0.value), $0.change.map { "+\($0)" } ?? "reset"]
            })
        }
        out.append("")
        out.append(md ? "### TCP" : "  TCP")
        table(["counter", "value", "change"], report.tcp.map { [$0.name, String($0.value), $0.change.map { "+\($0)" } ?? "reset"] })

        heading("Path-manager events")
        if report.events.available {
            out.append((md ? "" : "  ") + "\(report.events.list.count) events during the interval: "
                + report.events.byType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            if md, !report.events.list.isEmpty { out.append("```") }
            for line in report.events.list.suffix(100) { out.append((md ? "" : "  ") + line) }
            if md, !report.events.list.isEmpty { out.append("```") }
        } else {
            out.append((md ? "" : "  ") + "not available: \(report.events.unavailableReason ?? "unknown")")
        }
        if !report.collectionErrors.isEmpty {
            heading("Collection errors")
            for error in report.collectionErrors { out.append((md ? "- " : "  ") + error) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
