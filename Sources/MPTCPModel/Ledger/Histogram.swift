/// A classic Prometheus histogram: cumulative counts at fixed upper bounds,
/// the sum and the count of what was observed. Bounded memory: one counter
/// per bucket.
public struct Histogram: Sendable, Equatable {
    /// Upper bounds (`le`), rising; `+Inf` is implicit.
    public let bounds: [Double]
    /// Observations in each bucket (not cumulative), the last for `+Inf`.
    public private(set) var counts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    public init(bounds: [Double]) {
        self.bounds = bounds
        counts = [UInt64](repeating: 0, count: bounds.count + 1)
    }

    public mutating func observe(_ value: Double) {
        guard value.isFinite else { return }
        var slot = bounds.count
        for (index, bound) in bounds.enumerated() where value <= bound {
            slot = index
            break
        }
        counts[slot] &+= 1
        sum += value
        count &+= 1
    }

    /// The samples of one series: `_bucket` for each bound and `+Inf`
    /// (cumulative), then `_sum` and `_count`, each with `labels`.
    public func samples(labels: [(name: String, value: String)] = []) -> [Sample] {
        var samples: [Sample] = []
        samples.reserveCapacity(bounds.count + 3)
        var cumulative: UInt64 = 0
        for (index, bound) in bounds.enumerated() {
            cumulative &+= counts[index]
            samples.append(Sample(labels: labels + [("le", Self.format(bound))], value: .unsigned(cumulative), suffix: "_bucket"))
        }
        cumulative &+= counts[bounds.count]
        samples.append(Sample(labels: labels + [("le", "+Inf")], value: .unsigned(cumulative), suffix: "_bucket"))
        samples.append(Sample(labels: labels, value: .double(sum), suffix: "_sum"))
        samples.append(Sample(labels: labels, value: .unsigned(count), suffix: "_count"))
        return samples
    }

    /// A bound as Prometheus client libraries write it (`0.005`, `1`, `1e+06`).
    static func format(_ bound: Double) -> String {
        if bound == bound.rounded(), abs(bound) < 1e15 { return String(Int64(bound)) }
        return "\(bound)"
    }
}

/// The buckets of the lifecycle histograms, chosen for MPTCP (README lists them).
public enum LifecycleBuckets {
    /// Connection duration and subflow lifetime, seconds: from a request
    /// that lasts a few milliseconds to a day-long tunnel.
    public static let duration: [Double] = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400]
    /// From a connection's establishment to an additional subflow's, seconds:
    /// a join takes one round trip after the first data is acknowledged on
    /// the initial subflow, so milliseconds on a LAN, a second or more on a
    /// satellite or a lossy radio path; a join that retries its SYN takes 1 s, 3 s, 7 s.
    public static let joinLatency: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    /// Subflows a connection had when it ended (the in-kernel path manager
    /// allows at most 8 subflows per connection).
    public static let subflows: [Double] = [1, 2, 3, 4, 5, 6, 8]
    /// Bytes a connection carried (sent and acknowledged plus received), from
    /// a single request to a bulk transfer.
    public static let bytes: [Double] = [1024, 16384, 131_072, 1_048_576, 8_388_608, 67_108_864, 536_870_912, 4_294_967_296]
}
