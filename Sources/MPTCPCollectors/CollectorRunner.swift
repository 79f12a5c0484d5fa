import Dispatch
import MPTCPModel
import Synchronization

/// Runs one blocking kernel read off the async threads, one call at a time,
/// with a deadline: a collector for `/metrics`, a part of the snapshot for
/// `/api/v1/snapshot`.
///
/// A read does blocking I/O (a `read` of a procfs file, a netlink dump), so it
/// runs on its own serial dispatch queue, never on Swift's cooperative threads
/// or NIO's event loops. Calls are serialized per runner (its netlink socket
/// and its never-decreasing byte counters are not shared between two dumps),
/// so simultaneous requests queue behind each other for a few milliseconds
/// each.
///
/// The deadline: a caller waits at most `timeout` (queue time included) and
/// then gets `timed out`. A blocking system call cannot be cancelled, so the
/// call itself goes on in the background; while it is still running past the
/// deadline, later calls do not queue behind it but fail at once with `still
/// running`, and the first call that finds it finished runs normally again:
/// one stuck source costs its own data, never the answer, never a pile of
/// waiting threads.
public final class BlockingRunner<Value: Sendable>: Sendable {
    public let name: String
    public let timeout: Duration
    private let body: @Sendable () throws -> Value
    private let queue: DispatchQueue
    private let state = Mutex<ContinuousClock.Instant?>(nil)

    public init(name: String, timeout: Duration, _ body: @escaping @Sendable () throws -> Value) {
        self.name = name
        self.timeout = timeout
        self.body = body
        self.queue = DispatchQueue(label: "mptcp-exporter.\(name)")
    }

    /// The value, or why not (`timed out after …`, `still running …`, or the read's own error).
    public func run() async -> Result<Value, RunFailure> {
        let clock = ContinuousClock()
        let timeout = self.timeout
        let stuck = state.withLock { since -> Duration? in
            guard let since else { return nil }
            let running = clock.now - since
            return running > timeout ? running : nil
        }
        if let stuck {
            return .failure(RunFailure("still running after \(CollectorRunner.seconds(stuck)) s (an earlier call is blocked in the kernel or a file system); not started again"))
        }
        let once = OneShot<Result<Value, RunFailure>>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, RunFailure>, Never>) in
            once.set(continuation)
            let deadline = DispatchTime.now() + .nanoseconds(Int(timeout.clampedNanoseconds))
            let watch = DeadlineWatch.shared.add(deadline: deadline) {
                once.resume(.failure(RunFailure("timed out after \(CollectorRunner.seconds(timeout)) s")))
            }
            queue.async { [self] in
                state.withLock { $0 = clock.now }
                let outcome: Result<Value, RunFailure>
                do {
                    outcome = .success(try body())
                } catch {
                    outcome = .failure(RunFailure("\(error)"))
                }
                state.withLock { $0 = nil }
                DeadlineWatch.shared.remove(watch)
                once.resume(outcome)
            }
        }
    }
}

/// Why a ``BlockingRunner`` call gave no value.
public struct RunFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A collector on a ``BlockingRunner``: what a scrape runs for each collector.
public final class CollectorRunner: Sendable {
    public let collector: any Collector
    public var timeout: Duration { runner.timeout }
    private let runner: BlockingRunner<[MetricFamily]>

    public enum Outcome: Sendable {
        case collected([MetricFamily])
        case failed(String)
    }

    public init(collector: any Collector, timeout: Duration) {
        self.collector = collector
        self.runner = BlockingRunner(name: "collector.\(collector.name)", timeout: timeout) { try collector.collect() }
    }

    /// Collects, or fails after `timeout`.
    public func run() async -> Outcome {
        switch await runner.run() {
        case let .success(families): return .collected(families)
        case let .failure(failure): return .failed(failure.description)
        }
    }

    /// `1.0`, `10.0`: seconds to one decimal, for error texts.
    static func seconds(_ duration: Duration) -> String {
        String(Double((duration.secondsValue * 10).rounded()) / 10)
    }
}

/// A continuation resumed by whichever comes first: the result or the deadline.
private final class OneShot<Value: Sendable>: Sendable {
    private let slot = Mutex<CheckedContinuation<Value, Never>?>(nil)

    func set(_ continuation: CheckedContinuation<Value, Never>) {
        slot.withLock { $0 = continuation }
    }

    func resume(_ value: Value) {
        let continuation = slot.withLock { slot -> CheckedContinuation<Value, Never>? in
            defer { slot = nil }
            return slot
        }
        continuation?.resume(returning: value)
    }
}
