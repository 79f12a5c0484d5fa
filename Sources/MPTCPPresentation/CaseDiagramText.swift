import MPTCPModel
/// Draws Case diagrams as plain text, in the style of the reference
/// document: the flow is the double bar `||`, a counter crossed by the flow is
/// a line across it, a branch leaves it with `==>`. Sent packets flow down
/// (`\/`), received packets flow up (`/\`, so the entry line is at the bottom).
/// Lanes that are not one packet flow (events counted in both directions,
/// states) list their counters: `*` an event, `==>` a way out of MPTCP, `[ ]` a gauge.
///
/// README, `mptcp-top` and the reports all draw from this and from
/// ``CounterCatalog``, so the pictures cannot drift apart.
public enum CaseDiagramText {
    /// Counter values to print beside the names (absolute, and optionally the
    /// change over an interval).
    public struct Values: Sendable {
        public var absolute: [String: UInt64]
        public var change: [String: UInt64]?
        public init(absolute: [String: UInt64], change: [String: UInt64]? = nil) {
            self.absolute = absolute
            self.change = change
        }
    }

    /// Draws `diagram`. Without values every counter of the table is drawn;
    /// with values only those the kernel has (plus, in `other`, unknown ones).
    public static func render(_ diagram: CaseDiagram, values: Values? = nil, width: Int = 78) -> String {
        var lines: [String] = [diagram.title]
        if !diagram.readAgainst.isEmpty { lines.append("read against: " + diagram.readAgainst.joined(separator: ", ")) }
        var members = CounterCatalog.mptcp.filter { $0.diagram == diagram.id }
        if let values {
            members = members.filter { values.absolute[$0.name] != nil }
            if diagram.id == CounterCatalog.otherDiagramID {
                members = values.absolute.keys.sorted()
                    .filter { CounterCatalog.known(section: "MPTcpExt", name: $0) == nil }
                    .map { CounterCatalog.descriptor(mptcpCounter: $0) }
            }
        }
        for (laneIndex, lane) in diagram.lanes.enumerated() {
            let steps = members.filter { $0.lane == laneIndex }
            guard !steps.isEmpty else { continue }
            lines.append("")
            switch lane.direction {
            case .outbound:
                lines.append("  \(lane.title) (sent: flows down)")
                lines.append(bar)
                for step in steps { lines.append(line(step, values, width)) }
                lines.append(arrowDown)
            case .inbound:
                lines.append("  \(lane.title) (received: flows up)")
                lines.append(arrowUp)
                for step in steps.reversed() { lines.append(line(step, values, width)) }
                lines.append(bar)
            case .state:
                lines.append("  \(lane.title)")
                for step in steps { lines.append(line(step, values, width, flow: false)) }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every diagram, separated by blank lines.
    public static func renderAll(values: Values? = nil, width: Int = 78) -> String {
        CounterCatalog.diagrams
            .filter { values != nil || $0.id != CounterCatalog.otherDiagramID }
            .map { render($0, values: values, width: width) }
            .filter { $0.split(separator: "\n").count > 2 || values == nil }
            .joined(separator: "\n")
    }

    private static let column = 12
    private static var bar: String { String(repeating: " ", count: column) + "||" }
    private static var arrowDown: String { String(repeating: " ", count: column) + "\\/" }
    private static var arrowUp: String { String(repeating: " ", count: column) + "/\\" }

    private static func line(_ step: CounterDescriptor, _ values: Values?, _ width: Int, flow: Bool = true) -> String {
        let left: String
        let indent = String(repeating: " ", count: 6)
        switch step.role {
        case .entry where !flow, .pass where !flow, .exit where !flow:
            left = indent + "*   " + step.name
        case .branch where !flow:
            left = indent + "==> " + step.name
        case .detail where !flow:
            left = indent + ".   " + step.name
        case .entry, .pass, .exit:
            let tag = step.role == .entry ? "in " : step.role == .exit ? "out" : "   "
            left = "  \(tag) " + String(repeating: "-", count: column - 6) + "++---- " + step.name
        case .branch:
            left = String(repeating: " ", count: column) + "||==> " + step.name
        case .detail:
            left = String(repeating: " ", count: column) + "||  . " + step.name
        case .gauge:
            left = String(repeating: " ", count: column) + "[" + step.name + "]"
        }
        guard let values, let value = values.absolute[step.name] else { return left }
        var right = String(value)
        if let change = values.change?[step.name] { right += "  +" + String(change) }
        let padding = max(1, width - left.count - right.count)
        return left + String(repeating: " ", count: padding) + right
    }
}
