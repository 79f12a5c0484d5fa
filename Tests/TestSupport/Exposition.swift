/// A parsed sample of a Prometheus text exposition, for assertions.
public struct ExposedSample: Sendable, Hashable {
    public var name: String
    public var labels: [String: String]
    public var value: Double
    /// The literal value text, for exact comparisons of 64-bit counters.
    public var valueText: String
}

public enum Exposition {
    /// Parses sample lines (`name{a="b"} value`); comments are skipped.
    public static func parse(_ text: String) -> [ExposedSample] {
        var samples: [ExposedSample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            var name = ""
            var labels: [String: String] = [:]
            var rest = Substring(line)
            if let brace = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") {
                name = String(line[..<brace])
                labels = parseLabels(line[line.index(after: brace)..<close])
                rest = line[line.index(after: close)...]
            } else if let space = line.firstIndex(of: " ") {
                name = String(line[..<space])
                rest = line[space...]
            }
            let valueText = rest.split(separator: " ").first.map(String.init) ?? ""
            samples.append(ExposedSample(name: name, labels: labels, value: Double(valueText) ?? .nan, valueText: valueText))
        }
        return samples
    }

    private static func parseLabels(_ text: Substring) -> [String: String] {
        var labels: [String: String] = [:]
        var index = text.startIndex
        while index < text.endIndex {
            guard let equals = text[index...].firstIndex(of: "=") else { break }
            let key = String(text[index..<equals]).trimmingPrefix(",")
            var cursor = text.index(equals, offsetBy: 2)
            var value = ""
            while cursor < text.endIndex, text[cursor] != "\"" {
                if text[cursor] == "\\", text.index(after: cursor) < text.endIndex {
                    cursor = text.index(after: cursor)
                    value.append(text[cursor] == "n" ? "\n" : text[cursor])
                } else {
                    value.append(text[cursor])
                }
                cursor = text.index(after: cursor)
            }
            labels[String(key)] = value
            index = cursor < text.endIndex ? text.index(after: cursor) : cursor
        }
        return labels
    }
}

private extension String {
    func trimmingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
