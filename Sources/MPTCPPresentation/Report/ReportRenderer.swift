import MPTCPWire
import MPTCPModel
/// Renders a ``Report`` as text for a terminal or as Markdown for a bug report
/// (GitHub-flavoured: every table and paragraph stands between blank lines).
public enum ReportRenderer {
    public enum Style: Sendable { case text, markdown }

    public struct Options: Sendable {
        /// List Case-diagram counters whose value is 0 (folded into one line by default).
        public var showZeroCounters = false
        public init(showZeroCounters: Bool = false) { self.showZeroCounters = showZeroCounters }
    }

    /// The marks of a counter's role in its diagram, shared with `mptcp-top`.
    public static let roleMarks: [(role: String, mark: String, meaning: String)] = [
        ("entry", "in", "where the flow enters (every packet of it crosses this line)"),
        ("pass", "|", "a point every packet still in the flow passes"),
        ("branch", "==>", "a branch where some packets leave the flow (fallback, drop, error)"),
        ("exit", "out", "where the flow completes"),
        ("detail", ".", "a detail of the flow (a subset, counted again)"),
        ("gauge", "[ ]", "a gauge: how many now, not a count of events"),
    ]

    static func mark(_ role: CounterRole?) -> String {
        roleMarks.first { $0.role == role?.rawValue }?.mark ?? "?"
    }

    public static func render(_ report: Report, style: Style, options: Options = Options()) -> String {
        var out = Output(markdown: style == .markdown)
        out.title("MPTCP report: \(report.host.hostname)")
        out.paragraph("kernel \(report.host.kernel), counters sampled twice \(format(report.intervalSeconds)) s apart")
        findings(report, into: &out)
        configuration(report, into: &out)
        connections(report, into: &out)
        ended(report, into: &out)
        diagrams(report, options: options, into: &out)
        events(report, into: &out)
        return out.text
    }

    private static func findings(_ report: Report, into out: inout Output) {
        out.heading("Findings")
        if report.findings.isEmpty {
            out.paragraph("No finding: nothing in the counters, the configuration or the connections points at a problem.")
        }
        for finding in report.findings {
            let title = "[\(finding.severity.rawValue.uppercased())] \(finding.title) (\(finding.id))"
            let evidence = finding.evidence.map { "\($0.name) = \($0.value)" + ($0.change.map { " (\($0) over the interval)" } ?? "") }
            if out.markdown {
                out.subheading(title)
                if !evidence.isEmpty { out.paragraph("Evidence: " + evidence.map { "`\($0)`" }.joined(separator: ", ")) }
                out.paragraph("**What it means.** \(finding.meaning)")
                out.paragraph("**What to do.** \(finding.action)")
            } else {
                out.line("* " + title)
                if !evidence.isEmpty { out.line("  evidence: " + evidence.joined(separator: "; ")) }
                out.line("  meaning:  " + finding.meaning)
                out.line("  action:   " + finding.action)
                out.blank()
            }
        }
    }

    private static func configuration(_ report: Report, into out: inout Output) {
        out.heading("System")
        out.table(["setting", "value"], systemRows(report))

        out.heading("Path manager")
        if !report.pathManager.available { out.paragraph("Endpoints and limits could not be read.") }
        out.table(["id", "address", "port", "interface", "flags"], report.pathManager.endpoints.map {
            [String($0.id), $0.address, $0.port.map(String.init) ?? "", $0.interface ?? "", $0.flags.joined(separator: ",")]
        }, empty: "No endpoint.")
        if let limits = report.pathManager.limits { out.paragraph(limitsText(limits)) }
        if !report.pathManager.routeChecks.isEmpty {
            out.paragraph(routesIntroduction)
            out.table(["endpoint", "route get", "result"], routeRows(report))
        }
    }

    private static func connections(_ report: Report, into out: inout Output) {
        out.heading("Connections")
        let c = report.connections
        out.paragraph(connectionSummary(c))
        if c.count > 0 {
            out.table(["subflows per connection", "connections"], subflowCountRows(c))
            out.table(["interface", "subflows", "bytes acked", "bytes received", "share"], interfaceRows(c))
            let shown = Array(c.list.prefix(50))
            out.table(connectionColumns, connectionRows(shown))
            out.paragraph("Subflows, both ends of each:")
            out.table(["token", "subflow", "local", "remote", "interface", "bytes acked", "bytes received"], subflowRows(shown))
            if c.list.count > shown.count { out.paragraph("… \(c.list.count - shown.count) more in the JSON report") }
        }
    }

    private static func ended(_ report: Report, into out: inout Output) {
        out.heading("Connections that ended")
        out.paragraph(endedSummary(report.ended))
        guard !report.ended.list.isEmpty else { return }
        let shown = Array(report.ended.list.suffix(50))
        out.table(endedColumns, endedRows(shown))
        if report.ended.list.count > shown.count { out.paragraph("… \(report.ended.list.count - shown.count) earlier ones in the JSON report") }
    }

    static func endedSummary(_ ended: Report.Ended) -> String {
        guard ended.available else {
            return "Not followed: \(ended.unavailableReason ?? "the kernel's TCP destroy notifications were not received")."
        }
        let failed = ended.list.filter { $0.subflows.contains { $0.end != "with_connection" && $0.end != "closed" } }.count
        return "\(counted(ended.list.count, "connection")) ended during the interval"
            + (failed > 0 ? ", \(failed) with a subflow that ended on an error or reset" : "")
            + (ended.list.isEmpty ? "." : "; final bytes from the kernel's destroy notifications:")
    }

    static let endedColumns = ["token", "local", "remote", "lived", "subflows", "bytes acked per interface", "how it ended"]

    static func endedRows(_ list: [ClosedConnection]) -> [[String]] {
        list.map { entry in
            [entry.token, entry.local, entry.remote, entry.duration.map { format($0) + " s" } ?? "?", String(entry.subflows.count),
             entry.interfaces.map { "\($0.interface) \($0.bytesAcked)" }.joined(separator: ", "), entry.endSummary]
        }
    }

    private static func diagrams(_ report: Report, options: Options, into out: inout Output) {
        out.heading("Case diagrams")
        out.paragraph("Values since boot, with their change over the interval (+N). Each diagram is read top to bottom; the marks say where a counter sits in its flow:")
        out.list(roleMarks.map { "\($0.mark.padded(to: 3)) \($0.meaning)" }, code: true)
        if !options.showZeroCounters {
            out.paragraph("Counters at 0 are folded into one line per flow (--show-zero lists them).")
        }
        for diagram in report.diagrams {
            out.subheading(diagram.title)
            for lane in lanes(of: diagram) {
                let shown = options.showZeroCounters ? lane.counters : lane.counters.filter { $0.value > 0 || ($0.change ?? 1) > 0 }
                let folded = lane.counters.filter { counter in !shown.contains { $0.name == counter.name } }
                let foldedText = "at 0: " + folded.map(\.name).joined(separator: ", ")
                let rows = shown.map { [mark($0.role), $0.name, String($0.value), changeText($0.change)] }
                if out.markdown {
                    out.paragraph("**\(lane.title)**" + (shown.isEmpty ? " (\(foldedText))" : ""))
                    if !shown.isEmpty {
                        out.table(["", "counter", "value", "change"], rows)
                        if !folded.isEmpty { out.paragraph(foldedText) }
                    }
                } else {
                    // A terminal: the lane's rows right under its title, no blank line inside a diagram.
                    out.line("    " + lane.title + (shown.isEmpty ? " (\(foldedText))" : ""))
                    if !shown.isEmpty {
                        out.table(["", "counter", "value", "change"], rows, indent: 6, spaced: false, header: false)
                        if !folded.isEmpty { out.line("      " + foldedText) }
                    }
                }
            }
        }
        out.subheading("TCP")
        out.table(["counter", "value", "change"], report.tcp.map { [$0.name, String($0.value), changeText($0.change)] })
    }

    private static func events(_ report: Report, into out: inout Output) {
        out.heading("Path-manager events")
        if report.events.available {
            out.paragraph(eventsSummary(report.events))
            out.code(Array(report.events.list.suffix(100)))
        } else {
            out.paragraph("Not available: \(report.events.unavailableReason ?? "unknown")")
        }
        if !report.collectionErrors.isEmpty {
            out.heading("Collection errors")
            out.list(report.collectionErrors, code: false)
        }
    }

    // MARK: Content shared with the HTML page

    static func systemRows(_ report: Report) -> [[String]] {
        [
            ["MPTCP enabled", report.host.mptcpEnabled.map { $0 ? "yes" : "no" } ?? "unknown"],
            ["path manager", report.host.pathManager ?? "unknown"],
            ["scheduler", report.host.scheduler ?? "unknown"],
        ] + report.host.sysctls.sorted { $0.key < $1.key }.map { ["net.mptcp.\($0.key)", $0.value] }
    }

    static func limitsText(_ limits: Report.Limits) -> String {
        "Limits: subflows \(limits.subflows.map(String.init) ?? "?"), add_addr_accepted \(limits.addAddrAccepted.map(String.init) ?? "?")."
    }

    /// One sentence before the route table, in every format.
    static let routesIntroduction = "Routes from each subflow endpoint (ip route get DESTINATION from ADDRESS, and with oif DEV for an endpoint with a device, as its subflows are bound to it):"

    static func routeRows(_ report: Report) -> [[String]] {
        report.pathManager.routeChecks.map {
            [String($0.endpointID), "\($0.destination) from \($0.source)" + ($0.boundDevice.map { " oif \($0)" } ?? ""), $0.outcome]
        }
    }

    static func connectionSummary(_ c: Report.Connections) -> String {
        "\(counted(c.count, "MPTCP connection")) (\(c.fallback) fell back to TCP\(c.fallbackShare.map { ", " + FindingRules.percent($0) } ?? "")), "
            + "\(counted(c.subflows, "subflow")), \(counted(c.listeners, "listener"))."
    }

    static func subflowCountRows(_ c: Report.Connections) -> [[String]] {
        c.bySubflowCount.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.map { [$0.key, String($0.value)] }
    }

    static func interfaceRows(_ c: Report.Connections) -> [[String]] {
        c.byInterface.map {
            [$0.interface, String($0.subflows), String($0.bytesAcked), String($0.bytesReceived), $0.share.map(FindingRules.percent) ?? ""]
        }
    }

    static let connectionColumns = ["token", "local", "remote", "state", "subflows", "verdict"]

    /// One row per connection; the verdict as `kind: reason (object)`, `!` when an operator should act.
    static func connectionRows(_ connections: [Report.ConnectionEntry]) -> [[String]] {
        connections.map { connection in
            [connection.token + (connection.fallback ? " (fallback)" : ""), connection.local, connection.remote,
             connection.state.rawValue, String(connection.subflows.count), connection.verdict.map(verdictText) ?? ""]
        }
    }

    static func verdictText(_ verdict: Report.Verdict) -> String {
        var text = (verdict.needsAction ? "! " : "") + verdict.kind.rawValue
        if !verdict.reason.isEmpty { text += ": " + verdict.reason }
        if let object = verdict.object { text += " (\(object))" }
        return text
    }

    static func subflowRows(_ connections: [Report.ConnectionEntry]) -> [[String]] {
        connections.flatMap { connection in
            connection.subflows.map {
                [connection.token, "\($0.role.rawValue) \($0.priority.rawValue)", $0.local, $0.remote, $0.interface ?? "?",
                 $0.bytesAcked.map(String.init) ?? "", $0.bytesReceived.map(String.init) ?? ""]
            }
        }
    }

    static func eventsSummary(_ events: Report.Events) -> String {
        let count = counted(events.list.count, "event") + " during the interval"
        guard !events.byType.isEmpty else { return count + "." }
        return count + ": " + events.byType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "."
    }

    static func changeText(_ change: UInt64?) -> String { change.map { "+\($0)" } ?? "reset" }

    /// `1 listener`, `2 listeners`, `0 listeners`.
    static func counted(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }

    /// One flow of a diagram: its counters, and which way its packets go (for the drawings).
    struct Lane {
        var title: String
        var direction: FlowDirection
        var counters: [Report.Counter]
    }

    /// A diagram's counters by lane, lanes in the order their first counter
    /// comes: the grouping of the text, Markdown and HTML forms alike.
    static func lanes(of diagram: Report.Diagram) -> [Lane] {
        let definition = CounterCatalog.diagram(diagram.id)
        var lanes: [Lane] = []
        for counter in diagram.counters {
            let title = counter.lane ?? "Counters"
            if let index = lanes.firstIndex(where: { $0.title == title }) {
                lanes[index].counters.append(counter)
            } else {
                let direction = definition?.lanes.first { $0.title == title }?.direction ?? .state
                lanes.append(Lane(title: title, direction: direction, counters: [counter]))
            }
        }
        return lanes
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        // An archive's sample times can be anything: no Int conversion of what no Int holds.
        guard rounded.isFinite, rounded.magnitude < 1e15 else { return String(rounded) }
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

/// Text and Markdown output: blocks are separated by exactly one blank line,
/// so that a GFM renderer never merges a table with what follows it.
private struct Output {
    let markdown: Bool
    private var lines: [String] = []

    init(markdown: Bool) { self.markdown = markdown }

    var text: String {
        var copy = lines
        while copy.last == "" { copy.removeLast() }
        return copy.joined(separator: "\n") + "\n"
    }

    mutating func line(_ text: String) { lines.append(text) }

    mutating func blank() {
        if let last = lines.last, last != "" { lines.append("") }
    }

    mutating func title(_ text: String) {
        lines.append(markdown ? "# \(text)" : text)
        blank()
    }

    mutating func heading(_ text: String) {
        blank()
        if markdown { lines.append("## \(text)") } else { lines += [text.uppercased(), String(repeating: "=", count: text.count)] }
        blank()
    }

    mutating func subheading(_ text: String) {
        blank()
        lines.append(markdown ? "### \(text)" : "  " + text)
        if markdown { blank() }
    }

    mutating func paragraph(_ text: String, indent: Int = 2) {
        blank()
        if markdown {
            lines.append(text)
        } else {
            lines += Output.wrap(text, width: 100 - indent).map { String(repeating: " ", count: indent) + $0 }
        }
        blank()
    }

    /// Words packed into lines of at most `width` (a longer word stands alone).
    static func wrap(_ text: String, width: Int) -> [String] {
        var result: [String] = [], current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                result.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    mutating func list(_ items: [String], code: Bool) {
        blank()
        for item in items { lines.append(markdown ? "- " + (code ? "`\(item.trimmedRight())`" : item) : "  " + item) }
        blank()
    }

    mutating func code(_ text: [String]) {
        guard !text.isEmpty else { return }
        blank()
        if markdown { lines.append("```") }
        for line in text { lines.append(markdown ? line : "  " + line) }
        if markdown { lines.append("```") }
        blank()
    }

    mutating func table(_ header: [String], _ rows: [[String]], empty: String = "None.", indent: Int = 2,
                        spaced: Bool = true, header showHeader: Bool = true) {
        if spaced { blank() }
        guard !rows.isEmpty else {
            lines.append(markdown ? "_\(empty)_" : String(repeating: " ", count: indent) + empty)
            blank()
            return
        }
        if markdown {
            func cell(_ text: String) -> String { text.isEmpty ? " " : text.escapingPipes() }
            lines.append("| " + header.map(cell).joined(separator: " | ") + " |")
            lines.append("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
            for row in rows { lines.append("| " + row.map(cell).joined(separator: " | ") + " |") }
        } else {
            let widths = header.indices.map { index in ([header[index]] + rows.map { $0[index] }).map(\.count).max() ?? 0 }
            func line(_ cells: [String]) -> String {
                let text = String(repeating: " ", count: indent)
                    + cells.enumerated().map { $1.padded(to: widths[$0]) }.joined(separator: "  ")
                return text.trimmedRight()
            }
            if showHeader { lines.append(line(header)) }
            for row in rows { lines.append(line(row)) }
        }
        if spaced { blank() }
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func trimmedRight() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }

    fileprivate func escapingPipes() -> String {
        split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
    }
}
