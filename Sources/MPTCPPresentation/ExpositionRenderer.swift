import MPTCPModel
/// Writes metric families in the Prometheus text exposition format 0.0.4.
///
/// Output is deterministic: families sorted by name, samples by their label
/// values, so two scrapes of the same kernel state are byte-identical and a
/// golden file can be compared. A family with no samples is written with its
/// HELP and TYPE only. Families with an invalid or duplicate name are skipped
/// (the first of duplicates wins) so the exposition stays parseable.
public enum ExpositionRenderer {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ families: [MetricFamily]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(families.count * 160)
        render(families, into: &out)
        return out
    }

    public static func render(_ families: [MetricFamily], into out: inout [UInt8]) {
        // Sorted by name, then by position so that the first of duplicates wins.
        let ordered = families.enumerated()
            .filter { MetricNaming.isValidMetricName($0.element.name) }
            .sorted { $0.element.name != $1.element.name ? $0.element.name < $1.element.name : $0.offset < $1.offset }
        var previous: String?
        for (_, family) in ordered {
            if family.name == previous { continue }
            previous = family.name
            append("# HELP ", to: &out)
            append(family.name, to: &out)
            out.append(UInt8(ascii: " "))
            appendEscaped(family.help, quote: false, to: &out)
            out.append(UInt8(ascii: "\n"))
            append("# TYPE ", to: &out)
            append(family.name, to: &out)
            out.append(UInt8(ascii: " "))
            append(family.type.rawValue, to: &out)
            out.append(UInt8(ascii: "\n"))
            // A histogram's samples come in the order the format wants
            // (each series' buckets by rising le, then _sum and _count).
            let samples = family.type == .histogram ? family.samples : sortedSamples(family.samples)
            for sample in samples {
                append(family.name, to: &out)
                if !sample.suffix.isEmpty { append(sample.suffix, to: &out) }
                if !sample.labels.isEmpty {
                    out.append(UInt8(ascii: "{"))
                    for (index, label) in sample.labels.enumerated() {
                        if index > 0 { out.append(UInt8(ascii: ",")) }
                        append(label.name, to: &out)
                        append("=\"", to: &out)
                        appendEscaped(label.value, quote: true, to: &out)
                        out.append(UInt8(ascii: "\""))
                    }
                    out.append(UInt8(ascii: "}"))
                }
                out.append(UInt8(ascii: " "))
                appendValue(sample.value, to: &out)
                out.append(UInt8(ascii: "\n"))
            }
        }
    }

    /// The text of a value as the exposition format writes it.
    public static func format(_ value: SampleValue) -> String {
        var out: [UInt8] = []
        appendValue(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Samples ordered by their label values, compared in place (no key
    /// arrays), and no sort at all when the collector already produced them
    /// in order, as the collectors do.
    private static func sortedSamples(_ samples: [Sample]) -> [Sample] {
        guard samples.count > 1 else { return samples }
        var sorted = true
        for index in 1..<samples.count where precedes(samples[index], samples[index - 1]) {
            sorted = false
            break
        }
        if sorted { return samples }
        return samples.sorted(by: precedes)
    }

    /// Lexicographic order of the label values.
    private static func precedes(_ a: Sample, _ b: Sample) -> Bool {
        let count = min(a.labels.count, b.labels.count)
        for index in 0..<count {
            let x = a.labels[index].value, y = b.labels[index].value
            if x != y { return x < y }
        }
        return a.labels.count < b.labels.count
    }

    private static func append(_ string: String, to out: inout [UInt8]) {
        out.append(contentsOf: string.utf8)
    }

    /// HELP escapes `\` and newline; label values also escape `"`.
    private static func appendEscaped(_ string: String, quote: Bool, to out: inout [UInt8]) {
        // Almost nothing needs escaping: copy it whole when nothing does.
        let clean = string.utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") || (quote && $0 == UInt8(ascii: "\"")) }
        }
        if clean == true {
            out.append(contentsOf: string.utf8)
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\"") where quote: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            default: out.append(byte)
            }
        }
    }

    private static func appendValue(_ value: SampleValue, to out: inout [UInt8]) {
        switch value {
        case let .unsigned(number): appendDecimal(number, negative: false, to: &out)
        case let .signed(number): appendDecimal(number.magnitude, negative: number < 0, to: &out)
        case let .double(number):
            if number.isNaN { append("NaN", to: &out) }
            else if number == .infinity { append("+Inf", to: &out) }
            else if number == -.infinity { append("-Inf", to: &out) }
            else if number == number.rounded(), number.magnitude < 1e15 {
                appendDecimal(UInt64(number.magnitude), negative: number < 0, to: &out)
            } else { append("\(number)", to: &out) }
        }
    }

    private static func appendDecimal(_ number: UInt64, negative: Bool, to out: inout [UInt8]) {
        if negative { out.append(UInt8(ascii: "-")) }
        if number == 0 { out.append(UInt8(ascii: "0")); return }
        // Digits written backwards at the end of `out`, then turned around in place.
        let start = out.count
        var rest = number
        while rest > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        out[start...].reverse()
    }
}
