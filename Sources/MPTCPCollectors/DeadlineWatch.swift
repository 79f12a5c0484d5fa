import Dispatch
import Synchronization

/// One timer for every collector deadline in flight.
///
/// A scrape registers the deadline of each collector call and removes it when
/// the call returns, which is nearly always long before. A timer per call
/// would leave thousands of dead timers firing seconds later under load (and
/// keep waking an idle exporter); here one dispatch timer is armed for the
/// earliest deadline still registered, and disarmed when none is left.
final class DeadlineWatch: @unchecked Sendable {   // the timer is rescheduled only under `state`'s lock
    static let shared = DeadlineWatch()

    private struct Entry {
        let deadline: DispatchTime
        let fire: @Sendable () -> Void
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
        var armedFor: DispatchTime?
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "mptcp-exporter.deadlines")
    private let timer: any DispatchSourceTimer

    private init() {
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [unowned self] in expire() }
        timer.schedule(deadline: .distantFuture)
        timer.activate()
    }

    /// Calls `fire` at `deadline` unless ``remove(_:)`` comes first.
    func add(deadline: DispatchTime, fire: @escaping @Sendable () -> Void) -> UInt64 {
        state.withLock { state in
            state.nextID &+= 1
            state.entries[state.nextID] = Entry(deadline: deadline, fire: fire)
            if state.armedFor.map({ deadline < $0 }) ?? true {
                state.armedFor = deadline
                timer.schedule(deadline: deadline, leeway: .milliseconds(10))
            }
            return state.nextID
        }
    }

    func remove(_ id: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Registered deadlines (for tests).
    var count: Int { state.withLock { $0.entries.count } }

    private func expire() {
        let now = DispatchTime.now()
        let due = state.withLock { state -> [@Sendable () -> Void] in
            let expired = state.entries.filter { $0.value.deadline <= now }
            for key in expired.keys { state.entries.removeValue(forKey: key) }
            if let next = state.entries.values.map(\.deadline).min() {
                state.armedFor = next
                timer.schedule(deadline: next, leeway: .milliseconds(10))
            } else {
                state.armedFor = nil
                timer.schedule(deadline: .distantFuture)
            }
            return expired.values.map(\.fire)
        }
        for fire in due { fire() }
    }
}
