import Logging
import MPTCPModel
import Synchronization

/// Runs every collector for one scrape and adds the exporter's own series.
///
/// Nothing is cached and nothing polls: each call reads the kernel at that
/// moment. The collectors of one scrape run at the same time, each on its own
/// ``CollectorRunner`` with a deadline, so a slow or stuck collector costs its
/// own series (`success 0`, `timed out`), not the scrape. A failing collector
/// logs once when it starts failing (and again when its error changes, and
/// when it recovers), not at every scrape.
public final class Scraper: Sendable {
    public let collectors: [any Collector]
    public let timeout: Duration
    private let runners: [CollectorRunner]
    private let logger: Logger
    private let lastErrors = Mutex<[String: String]>([:])

    /// The default per-collector deadline (`--collector.timeout`).
    public static let defaultTimeout: Duration = .seconds(10)

    public init(collectors: [any Collector], timeout: Duration = Scraper.defaultTimeout, logger: Logger) {
        self.collectors = collectors
        self.timeout = timeout
        self.runners = collectors.map { CollectorRunner(collector: $0, timeout: timeout) }
        self.logger = logger
    }

    /// The result of one scrape.
    public struct Result: Sendable {
        public var families: [MetricFamily]
        /// Collector name → error text, for collectors that failed.
        public var failures: [String: String]
    }

    /// Runs every collector, or only those named in `only` (`collect[]` and
    /// `exclude[]` of a scrape; names as in the `collector` label).
    public func scrape(only: Set<String>? = nil) async -> Result {
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
        var outcomes = [(CollectorRunner.Outcome, Duration)?](repeating: nil, count: runners.count)
        // Collectors that only read memory run here; the others each on their
        // own queue, at the same time (no task group for a lone one).
        let selected = runners.indices.filter { only?.contains(collectors[$0].name) ?? true }
        let blocking = selected.filter { !collectors[$0].readsOnlyMemory }
        for index in selected where collectors[index].readsOnlyMemory {
            outcomes[index] = Self.inline(collectors[index])
        }
        if blocking.count == 1 {
            outcomes[blocking[0]] = await Self.timed(runners[blocking[0]])
        } else if blocking.count > 1 {
            let runners = self.runners
            await withTaskGroup(of: (Int, (CollectorRunner.Outcome, Duration)?).self) { group in
                for index in blocking {
                    group.addTask { (index, await Self.timed(runners[index])) }
                }
                for await (index, result) in group { outcomes[index] = result }
            }
        }
        for (collector, result) in zip(collectors, outcomes) {
            guard let (outcome, elapsed) = result else { continue }
            var ok = true
            switch outcome {
            case let .collected(collected):
                families.append(contentsOf: collected)
            case let .failed(error):
                ok = false
                failures[collector.name] = error
            }
            let seconds = elapsed.secondsValue
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

    private static func inline(_ collector: any Collector) -> (CollectorRunner.Outcome, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome: CollectorRunner.Outcome
        do { outcome = .collected(try collector.collect()) } catch { outcome = .failed("\(error)") }
        return (outcome, clock.now - start)
    }

    private static func timed(_ runner: CollectorRunner) async -> (CollectorRunner.Outcome, Duration)? {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = await runner.run()
        return (outcome, clock.now - start)
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
