import Logging
import MPTCPCore
import Synchronization

/// Runs every collector for one scrape and adds the exporter's own series.
///
/// Nothing is cached and nothing polls: each call reads the kernel at that
/// moment. A failing collector logs once when it starts failing (and again
/// when its error changes, and when it recovers), not at every scrape.
public final class Scraper: Sendable {
    public let collectors: [any Collector]
    private let logger: Logger
    private let lastErrors = Mutex<[String: String]>([:])

    public init(collectors: [any Collector], logger: Logger) {
        self.collectors = collectors
        self.logger = logger
    }

    /// The result of one scrape.
    public struct Result: Sendable {
        public var families: [MetricFamily]
        /// Collector name → error text, for collectors that failed.
        public var failures: [String: String]
    }

    public func scrape() -> Result {
        var families: [MetricFamily] = []
        var success = MetricFamily(
            name: "mptcp_exporter_scrape_collector_success",
            help: "Whether the collector succeeded in this scrape (1) or failed (0); a failed collector's series are missing from the scrape. See the exporter's log for why.",
            type: .gauge)
        var duration = MetricFamily(
            name: "mptcp_exporter_scrape_collector_duration_seconds",
            help: "Time the collector took in this scrape, in seconds.",
            type: .gauge)
        var failures: [String: String] = [:]
        let clock = ContinuousClock()
        for collector in collectors {
            let start = clock.now
            var ok = true
            do {
                families.append(contentsOf: try collector.collect())
            } catch {
                ok = false
                failures[collector.name] = "\(error)"
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            success.samples.append(Sample(labels: [("collector", collector.name)], value: .unsigned(ok ? 1 : 0)))
            duration.samples.append(Sample(labels: [("collector", collector.name)], value: .double(seconds)))
            noteOutcome(collector: collector.name, error: failures[collector.name])
        }
        families.append(success)
        families.append(duration)
        families.append(MetricFamily(
            name: "mptcp_exporter_build_info",
            help: "Version of mptcp-exporter that serves these metrics. Value always 1.",
            type: .gauge,
            samples: [Sample(labels: [("version", BuildInfo.version)], value: .unsigned(1))]))
        return Result(families: families, failures: failures)
    }

    private func noteOutcome(collector: String, error: String?) {
        let previous = lastErrors.withLock { errors -> String? in
            let previous = errors[collector]
            errors[collector] = error
            return previous
        }
        switch (previous, error) {
        case let (nil, error?):
            logger.error("collector failed", metadata: ["collector": "\(collector)", "error": "\(error)"])
        case let (old?, error?) where old != error:
            logger.error("collector failed", metadata: ["collector": "\(collector)", "error": "\(error)"])
        case let (_?, error?):
            logger.debug("collector still failing", metadata: ["collector": "\(collector)", "error": "\(error)"])
        case (_?, nil):
            logger.info("collector recovered", metadata: ["collector": "\(collector)"])
        case (nil, nil):
            break
        }
    }
}
