import MPTCPWire
import MPTCPModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Receives the kernel's TCP destroy notifications (`NETLINK_SOCK_DIAG`
/// multicast groups `SKNLGRP_INET_TCP_DESTROY` = 1 and
/// `SKNLGRP_INET6_TCP_DESTROY` = 3) on a dedicated thread, and keeps those of
/// MPTCP subflows in a ``LedgerInbox`` for the next scrape.
///
/// What a listener does to the host, measured on 6.18 (README, BENCHMARKS.md):
/// - the check is per network namespace (`sock_net(sk)->diag_nlsk`): only
///   sockets of the namespace listened in are reported;
/// - while anyone listens there, every TCP socket freed in that namespace,
///   MPTCP or not, is reported: the kernel builds a message with its
///   `tcp_info` in a work queue and multicasts it. Nothing else changes:
///   unlike the path-manager event group, no kernel behaviour depends on it;
/// - subscribing needs no privilege: an unprivileged process (uid 65534, no
///   capabilities) receives them on 6.18 (LedgerEndToEndTests), 6.1 and 6.12
///   (the kernel matrix).
public final class SubflowCloseListener: Sendable {
    public enum State: Sendable, Equatable {
        case listening
        /// Left the groups because the namespace frees more TCP sockets than
        /// the budget allows (``resume()`` joins again).
        case paused(String)
        case unavailable(String)
    }

    public static let groups: [UInt32] = [1, 3]    // SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET6_TCP_DESTROY
    /// Receive buffer asked for: 4 MiB hold about 10,000 notifications.
    static let receiveBuffer: Int32 = 4 << 20

    public let inbox: Mutex<LedgerInbox>
    /// Notifications per second (MPTCP or not) above which the listener
    /// leaves the groups; nil: never (`--collector.connections.ledger=on`).
    public let maximumRate: Double?
    /// The default budget: about 4.5 % of one core for the kernel and the
    /// exporter together at the 11 µs per notification measured on this
    /// machine (BENCHMARKS.md), and room for 1,000 MPTCP connections closing
    /// per second with two subflows each.
    public static let defaultMaximumRate = 4000.0
    /// Seconds over which the rate is measured.
    static let rateWindow = 5.0
    private let stateBox: Mutex<State>
    private let stopFlag = Atomic<Bool>(false)
    private let membership: Mutex<UncheckedSendableBox<NetlinkSocket>?>

    /// Subscribes and starts the thread, in the calling thread's network
    /// namespace; on failure the listener exists, says why in ``state``, and
    /// receives nothing.
    public init(capacity: Int = 200_000, maximumRate: Double? = nil,
                clock: @escaping @Sendable () -> Double = PathManagerEventListener.now) {
        inbox = Mutex(LedgerInbox(capacity: capacity))
        self.maximumRate = maximumRate
        membership = Mutex(nil)
        let socket: NetlinkSocket
        do {
            socket = try NetlinkSocket(protocol: NetlinkSocket.sockDiag)
            for group in Self.groups { try socket.subscribe(group: group) }
            try socket.setReceiveTimeout(seconds: 30)
        } catch {
            stateBox = Mutex(.unavailable("\(error)"))
            return
        }
        // Larger than the default (about 200 KiB) so that a burst of closes
        // between two wake-ups is not dropped; SO_RCVBUFFORCE needs
        // CAP_NET_ADMIN (held, since the subscription succeeded), SO_RCVBUF is capped by rmem_max.
        var size = Self.receiveBuffer
        if setsockopt(socket.fileDescriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            _ = setsockopt(socket.fileDescriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        stateBox = Mutex(.listening)
        let box = UncheckedSendableBox(socket)
        membership.withLock { $0 = box }
        KernelThread.start(name: "mptcp-tcp-destroy") { [self] in
            self.run(socket: box.value, clock: clock)
        }
    }

    public var state: State { stateBox.withLock { $0 } }
    public var isListening: Bool { state == .listening }
    public var isPaused: Bool { if case .paused = state { return true } else { return false } }

    /// Leaves both groups for want of budget: no more notifications are built
    /// for this listener, and the byte counters fall back to the scrapes.
    func pause(_ reason: String) {
        membership.withLock { box in
            guard let socket = box?.value else { return }
            for group in Self.groups { _ = try? socket.unsubscribe(group: group) }
        }
        stateBox.withLock { if case .listening = $0 { $0 = .paused(reason) } }
    }

    /// Joins the groups again after a pause; false when it could not.
    @discardableResult
    public func resume() -> Bool {
        guard isPaused else { return isListening }
        let joined = membership.withLock { box -> Bool in
            guard let socket = box?.value else { return false }
            do {
                for group in Self.groups { try socket.subscribe(group: group) }
                return true
            } catch {
                return false
            }
        }
        if joined { stateBox.withLock { if case .paused = $0 { $0 = .listening } } }
        return joined
    }

    /// Path-manager events as an event listener hands them over (its
    /// `onDatagram`): the four-tuples they name make those subflows'
    /// notifications kept, and the events reach the next scrape.
    public func receive(_: [UInt8], _ events: [PathManagerEvent]) {
        guard !events.isEmpty else { return }
        inbox.withLock { $0.offer(events) }
    }

    /// Leaves both groups before returning; the thread ends at its next wake.
    public func stop() {
        stopFlag.store(true, ordering: .relaxed)
        membership.withLock { box in
            guard let socket = box?.value else { return }
            for group in Self.groups { _ = try? socket.unsubscribe(group: group) }
            box = nil
        }
        stateBox.withLock { if case .listening = $0 { $0 = .unavailable("stopped") } }
    }

    private func run(socket: NetlinkSocket, clock: @Sendable () -> Double) {
        var windowStart = clock()
        var windowCount = 0.0
        while !stopFlag.load(ordering: .relaxed) {
            do {
                let datagram = try socket.receive()
                let time = clock()
                // The budget: every notification costs the kernel as much as it costs this thread.
                if let maximumRate {
                    windowCount += 1
                    if time - windowStart >= Self.rateWindow {
                        let rate = windowCount / (time - windowStart)
                        if rate > maximumRate {
                            pause("\(Int(rate)) TCP sockets freed per second, above the budget of \(Int(maximumRate)) (--collector.connections.ledger.max-rate)")
                        }
                        windowStart = time
                        windowCount = 0
                    }
                }
                var answer = NetlinkAnswer()
                var malformed: UInt64 = 0
                answer.absorb(ByteView(datagram)) { message in
                    guard message.type == SockDiagRequest.messageType else { return }
                    // The header first: most notifications on a busy host are
                    // plain TCP, dropped without decoding their tcp_info.
                    guard let header = InetDiagMessage(message.payload) else { malformed &+= 1; return }
                    let tuple = SubflowTuple(local: header.source, localPort: header.sourcePort,
                                             remote: header.destination, remotePort: header.destinationPort)
                    guard inbox.withLock({ $0.admits(cookie: header.cookie, tuple: tuple) }),
                          let decoded = DiagSocket(message, infoKind: .tcp),
                          let close = SubflowClose(decoded, time: time) else { return }
                    inbox.withLock { $0.offer(close) }
                }
                malformed &+= UInt64(answer.decodeErrors.count)
                if malformed > 0 { inbox.withLock { $0.malformed &+= malformed } }
            } catch {
                switch error.code {
                case EAGAIN, EWOULDBLOCK:
                    continue
                case ENOBUFS:
                    inbox.withLock { $0.lost &+= 1 }
                default:
                    stateBox.withLock { $0 = .unavailable("\(error)") }
                    return
                }
            }
        }
    }
}
