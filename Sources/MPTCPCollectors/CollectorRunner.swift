import Dispatch
import MPTCPCore
import Synchronization

/// Runs one collector off the async threads, one call at a time, with a
/// deadline.
///
/// A collector does blocking I/O (a `read` of a procfs file, a netlink dump),
/// so it runs on its own serial dispatch queue, never on Swift's cooperative
/// threads or NIO's event loops. Calls are serialized per collector (its
/// netlink socket and its never-decreasing byte counters are not shared
/// between two dumps), so simultaneous scrapes queue behind each other for a
/// few milliseconds each.
///
/// The deadline: a scrape waits at most `timeout` for the collector (queue
/// time included) and then reports it failed, `timed out`. A blocking system
/// call cannot be cancelled, so the call itself goes on in the background;
/// while it is still running past the deadline, later scrapes do not queue
/// behind it but fail at once with `still running`, and the first call that
/// finds it finished runs normally again: one stuck collector costs its own
/// series, never the scrape, never a pile of waiting threads.
public final class CollectorRunner: Sendable {
    public let collector: any Collector
    public let timeout: Duration
    private let queue: DispatchQueue
    private let state = Mutex<State>(State())

    private struct State {
        /// When the call now running started, if one is.
        var runningSince: ContinuousClock.Instant?
    }

    public enum Outcome: Sendable {
        case collected([MetricFamily])
        case failed(String)
    }

    public init(collector: any Collector, timeout: Duration) {
        self.collector = collector
        self.timeout = timeout
        self.queue = DispatchQueue(label: "mptcp-exporter.collector.\(collector.name)")
    }

    /// Collects, or fails after `timeout`.
    public func run() async -> Outcome {
        let clock = ContinuousClock()
        let stuck = state.withLock { state -> Duration? in
            guard let since = state.runningSince else { return nil }
            let running = clock.now - since
            return running > timeout ? running : nil
        }
        if let stuck {
            return .failed("still running after \(Self.seconds(stuck)) s (an earlier call is blocked in the kernel or a file system); not started again")
        }
        let once = OneShot<Outcome>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            once.set(continuation)
            let deadline = DispatchTime.now() + .nanoseconds(Int(timeout.clampedNanoseconds))
            let watch = DeadlineWatch.shared.add(deadline: deadline) { [timeout] in
                once.resume(.failed("timed out after \(Self.seconds(timeout)) s"))
            }
            queue.async { [self] in
                state.withLock { $0.runningSince = clock.now }
                let outcome: Outcome
                do {
                    outcome = .collected(try collector.collect())
                } catch {
                    outcome = .failed("\(error)")
                }
                state.withLock { $0.runningSince = nil }
                DeadlineWatch.shared.remove(watch)
                once.resume(outcome)
            }
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
