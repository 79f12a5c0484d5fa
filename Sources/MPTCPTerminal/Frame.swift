/// One screen of text: lines of styled spans, exactly `width` columns each.
/// Rendered plain (batch mode, golden files) or with ANSI SGR sequences.
public struct Frame: Sendable, Equatable {
    public enum Style: Sendable, Equatable { case normal, bold, dim, selected, alert, good, heading }

    public struct Span: Sendable, Equatable {
        public var text: String
        public var style: Style
        public init(_ text: String, _ style: Style = .normal) {
            self.text = text
            self.style = style
        }
    }

    public var width: Int
    public var lines: [[Span]] = []

    public init(width: Int) { self.width = max(1, width) }

    public mutating func add(_ spans: [Span]) { lines.append(spans) }
    public mutating func add(_ text: String, _ style: Style = .normal) { lines.append([Span(text, style)]) }

    /// Plain text: each line cut or padded to `width`, trailing spaces trimmed.
    public func plain(height: Int? = nil) -> String {
        fitted(height).map { line in
            var text = String(line.map(\.text).joined().prefix(width))
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }.joined(separator: "\n") + "\n"
    }

    /// With ANSI styles; `color: false` (NO_COLOR) keeps bold and reverse only.
    public func ansi(height: Int, color: Bool) -> String {
        var out = ""
        for (index, line) in fitted(height).enumerated() {
            out += "\u{1B}[\(index + 1);1H"
            var used = 0
            for span in line where used < width {
                let text = String(span.text.prefix(width - used))
                used += text.count
                out += Self.sgr(span.style, color: color) + text + "\u{1B}[0m"
            }
            out += "\u{1B}[K"
        }
        return out
    }

    private func fitted(_ height: Int?) -> [[Span]] {
        guard let height else { return lines }
        var lines = Array(self.lines.prefix(height))
        while lines.count < height { lines.append([]) }
        return lines
    }

    static func sgr(_ style: Style, color: Bool) -> String {
        switch style {
        case .normal: return ""
        case .bold: return "\u{1B}[1m"
        case .dim: return color ? "\u{1B}[2m" : ""
        case .selected: return "\u{1B}[7m"
        case .alert: return color ? "\u{1B}[1;31m" : "\u{1B}[1m"
        case .good: return color ? "\u{1B}[32m" : ""
        case .heading: return color ? "\u{1B}[1;36m" : "\u{1B}[1m"
        }
    }
}

/// Text helpers for fixed columns.
enum Columns {
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
    }
    static func right(_ text: String, _ width: Int) -> String {
        text.count >= width ? String(text.suffix(width)) : String(repeating: " ", count: width - text.count) + text
    }
    /// 0, 512, 1.2K, 3.4M, 1.1G (base 1000, for rates of bytes).
    /// Values come from remote exporters too: what is not finite is `?`, and
    /// what exceeds the largest unit is `>999T`, never an Int conversion trap.
    static func human(_ value: Double) -> String {
        guard value.isFinite else { return "?" }
        guard value.magnitude < 999.5e12 else { return value < 0 ? "<-999T" : ">999T" }
        let units = ["", "K", "M", "G", "T"]
        var value = value, unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        if unit == 0 { return String(Int(value.rounded())) }
        return (value < 10 ? String((value * 10).rounded() / 10) : String(Int(value.rounded()))) + units[unit]
    }
    static func rate(_ value: Double?) -> String {
        guard let value else { return "-" }
        guard value.isFinite else { return "?" }
        return value == 0 ? "0" : (value < 10 && value > -10 ? String((value * 10).rounded() / 10) : human(value))
    }
    /// HH:MM:SS (UTC) of a Unix time; `--:--:--` for one no clock shows.
    static func clock(_ epoch: Double) -> String {
        guard epoch.isFinite, epoch.magnitude < 1e15 else { return "--:--:--" }
        let seconds = (Int(epoch) % 86400 + 86400) % 86400
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }
}
