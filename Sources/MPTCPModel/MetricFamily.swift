/// One metric family of the Prometheus text exposition format: a name, its
/// HELP and TYPE, and its samples.
public struct MetricFamily: Sendable, Equatable {
    public enum MetricType: String, Sendable {
        case counter, gauge, untyped, histogram
    }

    public var name: String
    public var help: String
    public var type: MetricType
    public var samples: [Sample]

    public init(name: String, help: String, type: MetricType, samples: [Sample] = []) {
        self.name = name
        self.help = help
        self.type = type
        self.samples = samples
    }

    /// A family with one unlabelled sample.
    public init(name: String, help: String, type: MetricType, value: SampleValue) {
        self.init(name: name, help: help, type: type, samples: [Sample(value: value)])
    }
}

/// One sample: its labels (in the order given) and value.
public struct Sample: Sendable, Equatable {
    public var labels: [(name: String, value: String)]
    public var value: SampleValue
    /// Appended to the family's name: `_bucket`, `_sum`, `_count` for the
    /// samples of a histogram, empty otherwise.
    public var suffix: String

    public init(labels: [(name: String, value: String)] = [], value: SampleValue, suffix: String = "") {
        self.labels = labels
        self.value = value
        self.suffix = suffix
    }

    public static func == (lhs: Sample, rhs: Sample) -> Bool {
        lhs.value == rhs.value && lhs.suffix == rhs.suffix && lhs.labels.count == rhs.labels.count
            && zip(lhs.labels, rhs.labels).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// A sample value. Integers are kept exact (a 64-bit kernel counter printed as
/// a Double would lose its last digits in the text).
public enum SampleValue: Sendable, Equatable {
    case unsigned(UInt64)
    case signed(Int64)
    case double(Double)
}
