import MPTCPWire
import MPTCPModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Decides whether this process listens to path-manager events, and keeps
/// deciding: the one place `serve`, `report`, `snapshot`, `mptcp-top` and
/// `path-manager --events` subscribe to `mptcp_pm_events`.
///
/// - `off`: never listens.
/// - `on`: listens from the start, whatever the host does (the operator knows
///   no namespace relies on the userspace path manager refusing subflows).
/// - `auto`: listens only while ``PathManagerSurvey`` finds that no network
///   namespace of the host uses the userspace path manager (and that every
///   one could be read). It surveys before listening and again every
///   `recheck` seconds on a thread of its own: a namespace switching to the
///   userspace path manager makes it leave the group (at once, see
///   ``PathManagerEventListener/stop()``); when none is left it listens again.
///   Between a namespace's switch and the next survey the listener still
///   counts as a daemon there: at most `recheck` seconds.
///
/// Events received are kept in one ``PathManagerEventRecorder`` across
/// listeners, so counters never go back.
public final class PathManagerEventsSupervisor: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case auto, on, off }

    /// A change of decision, for the log.
    public struct Change: Sendable {
        public var listening: Bool
        /// Why not (nil when listening), or why listening failed.
        public var reason: String?
    }

    public let mode: Mode
    public let recorder: PathManagerEventRecorder
    private let procfs: String
    private let recheck: Double
    private let capacity: Int
    private let onDatagram: (@Sendable ([UInt8], [PathManagerEvent]) -> Void)?
    private let onChange: @Sendable (Change) -> Void
    private let current = Mutex<(listener: PathManagerEventListener?, reason: String?)>((nil, nil))
    private let stopFlag = Atomic<Bool>(false)

    /// Decides at once (the first survey runs before this returns) and, in
    /// `auto`, starts the thread that surveys again.
    /// - Parameters:
    ///   - procfs: where this namespace's sysctls are (`--path.procfs`).
    ///   - recheck: seconds between surveys in `auto`.
    ///   - onDatagram: passed to every listener (raw datagrams for archives).
    ///   - onChange: called on every change of decision, the first included.
    public init(mode: Mode, procfs: String = "/proc", recheck: Double = 5, capacity: Int = 256,
                onDatagram: (@Sendable ([UInt8], [PathManagerEvent]) -> Void)? = nil,
                onChange: @escaping @Sendable (Change) -> Void = { _ in }) {
        self.mode = mode
        self.procfs = procfs
        self.recheck = max(0.1, recheck)
        self.capacity = capacity
        self.recorder = PathManagerEventRecorder(capacity: capacity)
        self.onDatagram = onDatagram
        self.onChange = onChange
        switch mode {
        case .off:
            current.withLock { $0 = (nil, "not listened to (off)") }
            onChange(Change(listening: false, reason: "not listened to (off)"))
        case .on:
            start()
        case .auto:
            decide()
            KernelThread.start(name: "mptcp-pm-survey") { [self] in
                while !self.stopFlag.load(ordering: .relaxed) {
                    // One sleep per period: an idle exporter wakes once per recheck, no more.
                    // After stop() the group is already left; the thread ends at its next wake.
                    usleep(useconds_t(min(self.recheck, 3600) * 1_000_000))
                    if self.stopFlag.load(ordering: .relaxed) { break }
                    self.decide()
                }
            }
        }
    }

    /// The listener while listening, else nil.
    public var listener: PathManagerEventListener? {
        current.withLock { state in
            guard let listener = state.listener, case .listening = listener.state else { return nil }
            return listener
        }
    }

    /// Why events are not being received now; nil while listening.
    public var reasonNotListening: String? {
        current.withLock { state in
            if let listener = state.listener {
                if case let .unavailable(reason) = listener.state { return reason }
                return nil
            }
            return state.reason ?? "not listened to"
        }
    }

    /// Stops listening (leaving the group before returning) and surveying.
    public func stop() {
        stopFlag.store(true, ordering: .relaxed)
        current.withLock { state in
            state.listener?.stop()
            state.listener = nil
            state.reason = "stopped"
        }
    }

    /// Surveys now and acts on it (auto mode; also what the thread does).
    public func decide() {
        guard !stopFlag.load(ordering: .relaxed) else { return }
        let survey = PathManagerSurvey.run(procfs: procfs)
        if let reason = survey.reasonNotToListen {
            let stopped: Bool = current.withLock { state in
                let was = state.listener != nil || state.reason != reason
                state.listener?.stop()
                state.listener = nil
                state.reason = reason
                return was
            }
            if stopped { onChange(Change(listening: false, reason: reason)) }
        } else {
            let listening = current.withLock { $0.listener != nil }
            if !listening { start() }
        }
    }

    private func start() {
        let listener = PathManagerEventListener(capacity: capacity, recorder: recorder, onDatagram: onDatagram)
        switch listener.state {
        case .listening:
            current.withLock { $0 = (listener, nil) }
            onChange(Change(listening: true, reason: nil))
        case let .unavailable(reason):
            // Not subscribed (no privilege, no mptcp_pm family): nothing to undo.
            let changed = current.withLock { state -> Bool in
                let changed = state.reason != reason
                state = (nil, reason)
                return changed
            }
            if changed { onChange(Change(listening: false, reason: reason)) }
        }
    }
}
