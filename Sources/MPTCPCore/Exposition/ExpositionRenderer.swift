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
        var seen = Set<String>()
        let valid = families.filter { MetricNaming.isValidMetricName($0.name) && seen.insert($0.name).inserted }
        for family in valid.sorted(by: { $0.name < $1.name }) {
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
            let samples = family.samples.count > 1
                ? family.samples.sorted { labelKey($0).lexicographicallyPrecedes(labelKey($1)) } : family.samples
            for sample in samples {
                append(family.name, to: &out)
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

    private static func labelKey(_ sample: Sample) -> [String] {
        sample.labels.map(\.value)
    }

    private static func append(_ string: String, to out: inout [UInt8]) {
        out.append(contentsOf: string.utf8)
    }

    /// HELP escapes `\` and newline; label values also escape `"`.
    private static func appendEscaped(_ string: String, quote: Bool, to out: inout [UInt8]) {
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
        var digits: (UInt64, [UInt8]) = (number, [])
        digits.1.reserveCapacity(20)
        while digits.0 > 0 {
            digits.1.append(UInt8(ascii: "0") + UInt8(digits.0 % 10))
            digits.0 /= 10
        }
        out.append(contentsOf: digits.1.reversed())
    }
}
