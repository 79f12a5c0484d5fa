import MPTCPWire
import MPTCPModel
/// A self-contained HTML page for a ``Report``: no external resource, the
/// Case diagrams drawn as inline SVG (one drawing per flow: a thick arrow,
/// a line across it for each counter the flow crosses, a small arrow
/// leaving it for each branch, the value beside each).
public enum ReportHTML {
    public static func render(_ report: Report) -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>MPTCP report: \(escape(report.host.hostname))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1300px; }
        h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
        table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
        th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
        th { background: #f0f0f0; }
        .finding { border-left: 6px solid #888; padding: .5em 1em; margin: .8em 0; background: #fafafa; }
        .critical { border-color: #c62828; } .warning { border-color: #ef6c00; } .info { border-color: #1565c0; }
        .severity { font-weight: bold; text-transform: uppercase; }
        .lanes { display: flex; flex-wrap: wrap; gap: 1em; }
        .lane { border: 1px solid #ddd; border-radius: 6px; padding: .3em; background: #fff; }
        .muted { color: #777; }
        code { background: #f4f4f4; padding: 0 .2em; }
        </style>
        </head>
        <body>
        <h1>MPTCP report: \(escape(report.host.hostname))</h1>
        <p class="muted">kernel \(escape(report.host.kernel)), counters sampled twice \(ReportRenderer.format(report.intervalSeconds)) s apart</p>

        """
        html += findings(report) + configuration(report) + connections(report) + ended(report) + diagrams(report) + events(report)
        html += "</body>\n</html>\n"
        return html
    }

    private static func findings(_ report: Report) -> String {
        var html = ""
        html += "<h2>Findings</h2>\n"
        if report.findings.isEmpty {
            html += "<p>No finding: nothing in the counters, the configuration or the connections points at a problem.</p>\n"
        }
        for finding in report.findings {
            html += "<div class=\"finding \(finding.severity.rawValue)\"><p><span class=\"severity\">\(finding.severity.rawValue)</span> \(escape(finding.title)) <span class=\"muted\">(\(escape(finding.id)))</span></p>\n"
            html += "<p>Evidence: " + finding.evidence.map { "<code>\(escape($0.name)) = \(escape($0.value))\($0.change.map { " (\(escape($0)))" } ?? "")</code>" }.joined(separator: " ") + "</p>\n"
            html += "<p><b>What it means.</b> \(escape(finding.meaning))</p><p><b>What to do.</b> \(escape(finding.action))</p></div>\n"
        }
        return html
    }

    private static func configuration(_ report: Report) -> String {
        var html = ""
        html += "<h2>System</h2>\n" + table(["setting", "value"], ReportRenderer.systemRows(report))

        html += "<h2>Path manager</h2>\n"
        if !report.pathManager.available { html += "<p>Endpoints and limits could not be read.</p>\n" }
        html += table(["id", "address", "port", "interface", "flags"], report.pathManager.endpoints.map {
            [String($0.id), $0.address, $0.port.map(String.init) ?? "", $0.interface ?? "", $0.flags.joined(separator: ", ")]
        }, empty: "No endpoint.")
        if let limits = report.pathManager.limits {
            html += "<p>\(escape(ReportRenderer.limitsText(limits)))</p>\n"
        }
        if !report.pathManager.routeChecks.isEmpty {
            html += "<p>\(escape(ReportRenderer.routesIntroduction))</p>\n"
            html += table(["endpoint", "route get", "result"], ReportRenderer.routeRows(report))
        }
        return html
    }

    private static func connections(_ report: Report) -> String {
        var html = ""
        let c = report.connections
        html += "<h2>Connections</h2>\n<p>\(escape(ReportRenderer.connectionSummary(c)))</p>\n"
        if c.count > 0 {
            html += table(["subflows per connection", "connections"], ReportRenderer.subflowCountRows(c))
            html += table(["interface", "subflows", "bytes acked", "bytes received", "share"], ReportRenderer.interfaceRows(c))
            let shown = Array(c.list.prefix(100))
            html += table(ReportRenderer.connectionColumns, ReportRenderer.connectionRows(shown))
            html += "<p>Subflows, both ends of each:</p>\n"
            html += table(["token", "subflow", "local", "remote", "interface", "bytes acked", "bytes received"], ReportRenderer.subflowRows(shown))
            if c.list.count > shown.count { html += "<p>… \(c.list.count - shown.count) more in the JSON report</p>\n" }
        }
        return html
    }

    private static func ended(_ report: Report) -> String {
        var html = "<h2>Connections that ended</h2>\n<p>\(escape(ReportRenderer.endedSummary(report.ended)))</p>\n"
        let shown = Array(report.ended.list.suffix(100))
        if !shown.isEmpty { html += table(ReportRenderer.endedColumns, ReportRenderer.endedRows(shown)) }
        if report.ended.list.count > shown.count { html += "<p>… \(report.ended.list.count - shown.count) earlier ones in the JSON report</p>\n" }
        return html
    }

    private static func diagrams(_ report: Report) -> String {
        var html = ""
        html += "<h2>Case diagrams</h2>\n<p class=\"muted\">Each flow is drawn as in the reference document: a line across the arrow is a counter every packet passing there increments, a red arrow leaving it is a branch (fallback, drop, error). Values since boot; in brackets, the change over the interval.</p>\n"
        html += "<ul class=\"muted\">" + ReportRenderer.roleMarks.map { "<li><code>\(escape($0.mark))</code> \(escape($0.role)): \(escape($0.meaning))</li>" }.joined() + "</ul>\n"
        for diagram in report.diagrams {
            html += "<h3>\(escape(diagram.title))</h3>\n<div class=\"lanes\">\n"
            for lane in ReportRenderer.lanes(of: diagram) { html += "<div class=\"lane\">" + svg(lane: lane.title, direction: lane.direction, counters: lane.counters) + "</div>\n" }
            html += "</div>\n"
        }
        html += "<h3>TCP</h3>\n" + table(["counter", "value", "change"], report.tcp.map { [$0.name, String($0.value), ReportRenderer.changeText($0.change)] })
        return html
    }

    private static func events(_ report: Report) -> String {
        var html = ""
        html += "<h2>Path-manager events</h2>\n"
        if report.events.available {
            html += "<p>\(escape(ReportRenderer.eventsSummary(report.events)))</p>\n"
            if !report.events.list.isEmpty { html += "<pre>" + report.events.list.suffix(100).map(escape).joined(separator: "\n") + "</pre>\n" }
        } else {
            html += "<p>Not available: \(escape(report.events.unavailableReason ?? "unknown"))</p>\n"
        }
        if !report.collectionErrors.isEmpty {
            html += "<h2>Collection errors</h2>\n<ul>" + report.collectionErrors.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
        }
        return html
    }


    /// One flow as SVG.
    static func svg(lane: String, direction: FlowDirection, counters: [Report.Counter]) -> String {
        let rowHeight = 30, top = 44, width = 420, arrowX = 40, arrowWidth = 18
        let ordered = direction == .inbound ? counters.reversed() : counters
        let height = top + ordered.count * rowHeight + 34
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(escape(lane))\">"
        svg += "<text x=\"8\" y=\"18\" font-size=\"13\" font-weight=\"bold\">\(escape(lane))</text>"
        let label = direction == .inbound ? "received: flows up" : direction == .outbound ? "sent: flows down" : "events"
        svg += "<text x=\"8\" y=\"34\" font-size=\"11\" fill=\"#777\">\(label)</text>"
        let shaftTop = top - 4, shaftBottom = height - 12
        if direction != .state {
            svg += "<rect x=\"\(arrowX)\" y=\"\(shaftTop + 10)\" width=\"\(arrowWidth)\" height=\"\(shaftBottom - shaftTop - 20)\" fill=\"#90a4ae\"/>"
            if direction == .inbound {
                svg += "<polygon points=\"\(arrowX - 8),\(shaftTop + 12) \(arrowX + arrowWidth / 2),\(shaftTop - 6) \(arrowX + arrowWidth + 8),\(shaftTop + 12)\" fill=\"#90a4ae\"/>"
            } else {
                svg += "<polygon points=\"\(arrowX - 8),\(shaftBottom - 12) \(arrowX + arrowWidth / 2),\(shaftBottom + 6) \(arrowX + arrowWidth + 8),\(shaftBottom - 12)\" fill=\"#90a4ae\"/>"
            }
        }
        for (index, counter) in ordered.enumerated() {
            let y = top + index * rowHeight + rowHeight / 2
            let moved = (counter.change ?? 0) > 0
            let value = "\(counter.value)" + (counter.change.map { " (+\($0))" } ?? " (reset)")
            switch counter.role {
            case .branch?:
                let color = counter.value > 0 ? "#c62828" : "#999"
                svg += "<line x1=\"\(arrowX + arrowWidth)\" y1=\"\(y)\" x2=\"\(arrowX + arrowWidth + 40)\" y2=\"\(y)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                svg += "<polygon points=\"\(arrowX + arrowWidth + 40),\(y - 5) \(arrowX + arrowWidth + 50),\(y) \(arrowX + arrowWidth + 40),\(y + 5)\" fill=\"\(color)\"/>"
                svg += "<text x=\"\(arrowX + arrowWidth + 56)\" y=\"\(y + 4)\" font-size=\"12\" fill=\"\(color)\">\(escape(counter.name))</text>"
            case .detail?:
                svg += "<line x1=\"\(arrowX - 10)\" y1=\"\(y)\" x2=\"\(arrowX + arrowWidth + 10)\" y2=\"\(y)\" stroke=\"#555\" stroke-dasharray=\"3,3\"/>"
                svg += "<text x=\"\(arrowX + arrowWidth + 56)\" y=\"\(y + 4)\" font-size=\"12\" font-style=\"italic\">\(escape(counter.name))</text>"
            case .gauge?:
                svg += "<rect x=\"\(arrowX - 10)\" y=\"\(y - 9)\" width=\"\(arrowWidth + 20)\" height=\"18\" fill=\"none\" stroke=\"#1565c0\"/>"
                svg += "<text x=\"\(arrowX + arrowWidth + 56)\" y=\"\(y + 4)\" font-size=\"12\">\(escape(counter.name)) (now)</text>"
            default:
                let weight = counter.role == .entry || counter.role == .exit ? 3 : 2
                svg += "<line x1=\"\(arrowX - 16)\" y1=\"\(y)\" x2=\"\(arrowX + arrowWidth + 16)\" y2=\"\(y)\" stroke=\"#222\" stroke-width=\"\(weight)\"/>"
                let tag = counter.role == .entry ? " (in)" : counter.role == .exit ? " (out)" : ""
                svg += "<text x=\"\(arrowX + arrowWidth + 56)\" y=\"\(y + 4)\" font-size=\"12\">\(escape(counter.name + tag))</text>"
            }
            svg += "<text x=\"\(width - 8)\" y=\"\(y + 4)\" font-size=\"12\" text-anchor=\"end\" font-weight=\"\(moved ? "bold" : "normal")\">\(escape(value))</text>"
        }
        return svg + "</svg>"
    }

    static func table(_ header: [String], _ rows: [[String]], empty: String = "None.") -> String {
        guard !rows.isEmpty else { return "<p class=\"muted\">\(escape(empty))</p>\n" }
        var html = "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        return html + "</table>\n"
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
