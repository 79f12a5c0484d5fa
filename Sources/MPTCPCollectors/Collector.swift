import MPTCPModel

/// A source of metric families, read from the kernel at scrape time.
///
/// Each collector is split into the I/O that reads the kernel and a pure
/// function from what was read to metric families (in `MPTCPModel`). A
/// collector that throws costs its own series only: the scrape goes on, and
/// `mptcp_exporter_scrape_collector_success{collector}` says 0.
public protocol Collector: Sendable {
    /// The `collector` label: `netstat`, `connections`, …
    var name: String { get }
    /// Reads the kernel now and returns the families.
    func collect() throws -> [MetricFamily]
    /// True for a collector that only reads the exporter's memory (never a
    /// file or a socket): it runs in the scrape itself, with no queue and no
    /// deadline. False by default.
    var readsOnlyMemory: Bool { get }
}

extension Collector {
    public var readsOnlyMemory: Bool { false }
}

/// A collector failure with a message fit for one log line.
public struct CollectorError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
