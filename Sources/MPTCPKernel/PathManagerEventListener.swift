import MPTCPWire
import MPTCPModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the event listeners of one process have recorded: it outlives any
/// one listener, so counts never go back when listening stops and resumes.
public final class PathManagerEventRecorder: Sendable {
    let log: Mutex<PathManagerEventLog>
    /// Connections someone follows (a probe follows its own): their events,
    /// kept aside as they arrive so that a busy host's other events cannot
    /// push them out of the ring. At most `watchedEvents` per connection.
    private let watched = Mutex<[UInt32: [PathManagerEvent]]>([:])
    static let watchedEvents = 64

    public init(capacity: Int = 256) { log = Mutex(PathManagerEventLog(capacity: capacity)) }
    public var snapshot: PathManagerEventLog { log.withLock { $0 } }

    /// Starts following connection `token`, with its events already in the ring.
    public func watch(token: UInt32) {
        let earlier = log.withLock { $0.recent.filter { $0.token == token } }
        watched.withLock { $0[token] = Array(earlier.suffix(Self.watchedEvents)) }
    }

    /// The events of a followed connection so far.
    public func events(of token: UInt32) -> [PathManagerEvent] {
        watched.withLock { $0[token] ?? [] }
    }

    /// Stops following `token`; returns its events.
    @discardableResult
    public func unwatch(token: UInt32) -> [PathManagerEvent] {
        watched.withLock { $0.removeValue(forKey: token) ?? [] }
    }

    /// Hands the listener's new events to the followed connections.
    func deliver(_ events: [PathManagerEvent]) {
        watched.withLock { watched in
            guard !watched.isEmpty else { return }
            for event in events {
                guard let token = event.token, let kept = watched[token], kept.count < Self.watchedEvents else { continue }
                watched[token, default: []].append(event)
            }
        }
    }
}

/// Listens to the `mptcp_pm_events` multicast group on a dedicated thread
/// and records every event into a ``PathManagerEventRecorder``.
///
/// Subscribing needs CAP_NET_ADMIN. Any subscriber, in any namespace, makes
/// every namespace of the host that uses the userspace path manager accept
/// extra subflows as if a path-manager daemon ran (``PathManagerSurvey``), which
/// is why whether to listen is decided by ``PathManagerEventsSupervisor``.
public final class PathManagerEventListener: Sendable {
    public enum State: Sendable, Equatable {
        case listening
        case unavailable(String)
    }

    public let recorder: PathManagerEventRecorder
    private let stateBox: Mutex<State>
    private let stopFlag = Atomic<Bool>(false)
    /// The subscribed socket and group, so that ``stop()`` can leave the group at once.
    private let membership: Mutex<(socket: UncheckedSendableBox<NetlinkSocket>, group: UInt32)?>

    /// Subscribes and starts the thread; on failure the listener exists, says
    /// why in ``state``, and records nothing.
    /// - Parameter onDatagram: called on the listener thread with each raw
    ///   datagram and the events decoded from it (for `path-manager --events`).
    public init(capacity: Int = 256, recorder: PathManagerEventRecorder? = nil,
                clock: @escaping @Sendable () -> Double = PathManagerEventListener.now,
                onDatagram: (@Sendable ([UInt8], [PathManagerEvent]) -> Void)? = nil) {
        self.recorder = recorder ?? PathManagerEventRecorder(capacity: capacity)
        membership = Mutex(nil)
        let socket: NetlinkSocket
        let family: GenericNetlinkFamily
        do {
            socket = try NetlinkSocket(protocol: NetlinkSocket.generic)
            family = try PathManagerClient.resolve(socket: socket, name: MPTCPPathManagerFamily.name)
        } catch {
            stateBox = Mutex(.unavailable("\(error)"))
            return
        }
        guard let group = family.groups[MPTCPPathManagerFamily.eventsGroup] else {
            stateBox = Mutex(.unavailable("the mptcp_pm family has no \(MPTCPPathManagerFamily.eventsGroup) group"))
            return
        }
        do {
            try socket.subscribe(group: group)
            // A receive wakes up at least this often to see a stop request; an
            // idle exporter should not wake up every second for nothing.
            try socket.setReceiveTimeout(seconds: 30)
        } catch {
            let hint = error.code == EPERM ? " (subscribing to path-manager events needs CAP_NET_ADMIN)" : ""
            stateBox = Mutex(.unavailable("\(error)\(hint)"))
            return
        }
        stateBox = Mutex(.listening)
        let familyID = family.id
        let box = UncheckedSendableBox(socket)
        membership.withLock { $0 = (box, group) }
        KernelThread.start(name: "mptcp-pm-events") { [self] in
            self.run(socket: box.value, familyID: familyID, clock: clock, onDatagram: onDatagram)
        }
    }

    public var state: State { stateBox.withLock { $0 } }

    /// A copy of what has been recorded.
    public var snapshot: PathManagerEventLog { recorder.snapshot }

    /// Leaves the multicast group before returning (from then on the kernel
    /// sees no listener of this process), and asks the thread to stop: at the
    /// next receive timeout, within 30 s. What it recorded can be read at once.
    public func stop() {
        stopFlag.store(true, ordering: .relaxed)
        membership.withLock { subscribed in
            guard let current = subscribed else { return }
            // Closing the socket under a receiving thread is not safe; leaving the group is.
            _ = try? current.socket.value.unsubscribe(group: current.group)
            subscribed = nil
        }
        stateBox.withLock { if case .listening = $0 { $0 = .unavailable("stopped") } }
    }

    private func run(socket: NetlinkSocket, familyID: UInt16, clock: @Sendable () -> Double,
                     onDatagram: (@Sendable ([UInt8], [PathManagerEvent]) -> Void)?) {
        while !stopFlag.load(ordering: .relaxed) {
            do {
                let datagram = try socket.receive()
                let time = clock()
                var events: [PathManagerEvent] = []
                var malformed: UInt64 = 0
                var answer = NetlinkAnswer()
                answer.absorb(ByteView(datagram)) { message in
                    guard message.type == familyID else { return }
                    do {
                        var event = try PathManagerEvent(message)
                        event.receivedAt = time
                        events.append(event)
                    } catch {
                        malformed &+= 1
                    }
                }
                malformed &+= UInt64(answer.decodeErrors.count)
                if stopFlag.load(ordering: .relaxed) { break }
                recorder.log.withLock { log in
                    for event in events { log.record(event) }
                    log.malformed &+= malformed
                }
                if !events.isEmpty { recorder.deliver(events) }
                onDatagram?(datagram, events)
            } catch {
                switch error.code {
                case EAGAIN, EWOULDBLOCK:
                    continue                                         // receive timeout: check the stop flag
                case ENOBUFS:
                    recorder.log.withLock { $0.lost &+= 1 }          // the kernel dropped events
                default:
                    stateBox.withLock { $0 = .unavailable("\(error)") }
                    return
                }
            }
        }
    }

    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// Moves a non-Sendable value to the thread that will own it from then on.
struct UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A detached POSIX thread (`pthread_create(3)`), for blocking kernel reads
/// that must not occupy Swift's cooperative thread pool.
enum KernelThread {
    final class Context {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func start(name _: String, _ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Context(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let context = Unmanaged<KernelThread.Context>.fromOpaque(raw).takeRetainedValue()
            context.body()
            return nil
        }, context)
        if result == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<KernelThread.Context>.fromOpaque(context).release()
        }
    }
}
