import Dispatch
import MPTCPWire
import Synchronization

/// Several netlink dumps received on a second thread while the calling
/// thread decodes: the kernel fills the next datagram (most of a dump's cost,
/// see BENCHMARKS.md) while the previous one is decoded, so on a machine with
/// two cores the decoding hides behind the kernel's work.
///
/// The receiving thread receives each datagram into an array of its own and
/// queues it; the decoder takes the queue in batches (``DatagramPipe``). At
/// most 64 datagrams wait in the queue, as many may be in the batch being
/// decoded, and as many spare arrays are kept: 6 MiB at the very most, for
/// one read. The receiver stops when the decoder stops early; the call
/// returns only after it has finished, so the socket is never used by two
/// threads at once.
enum PipelinedDumps {
    /// One dump to request: its bytes and sequence number.
    struct Request {
        var bytes: [UInt8]
        var sequence: UInt32
    }

    enum Event {
        case datagram(ByteView)
        /// The dump of this index is complete.
        case end(Int)
    }

    /// Sends each request after the answer to the previous one, and hands
    /// `body` every datagram, then `.end(index)`, in order. `body` returns
    /// false to stop early. A receive error is thrown after the receiver stopped.
    static func run(_ requests: [Request], on transport: any NetlinkTransport,
                    _ body: (Event) -> Bool) throws(SystemCallError) {
        let pipe = DatagramPipe(capacity: 64)
        let receiverDone = DispatchSemaphore(value: 0)
        let box = TransportBox(transport)
        DispatchQueue.global().async {
            defer { receiverDone.signal() }
            for (index, request) in requests.enumerated() {
                var stopped = false
                do throws(SystemCallError) {
                    try box.transport.dumpOwned(request.bytes, sequence: request.sequence, maximumDatagrams: 1 << 20,
                                                spare: { pipe.spare() }) { datagram in
                        // Once stopped, the rest of this dump is read and dropped (the socket is left clean).
                        if !stopped, !pipe.push(.datagram(datagram)) { stopped = true }
                    }
                } catch {
                    _ = pipe.push(.failed(error))
                    return
                }
                if stopped || !pipe.push(.end(index)) { return }
            }
        }
        defer {
            pipe.cancel()
            receiverDone.wait()
        }
        var ended = 0
        var batch: [DatagramPipe.Item] = []
        while ended < requests.count {
            pipe.take(into: &batch)
            for item in batch {
                switch item {
                case let .datagram(view):
                    if !body(.datagram(view)) { return }
                case let .end(index):
                    ended += 1
                    if !body(.end(index)) { return }
                case let .failed(error):
                    throw error
                }
            }
        }
    }
}

/// The transport, handed to the receiving thread (used by one thread at a time).
private final class TransportBox: @unchecked Sendable {
    let transport: any NetlinkTransport
    init(_ transport: any NetlinkTransport) { self.transport = transport }
}

/// A bounded single-producer, single-consumer queue of received datagrams,
/// handed over in batches.
///
/// Waking a thread that sleeps on another CPU costs a futex call and an
/// interprocessor interrupt, which on a virtual machine is a trip through the
/// hypervisor: woken for each datagram, the decoding thread cost the
/// receiving thread about 20 µs per datagram, a quarter of the kernel's own
/// time for a dump (BENCHMARKS.md). So the consumer takes everything queued
/// at once, and the producer wakes a sleeping consumer only when
/// `wakeBatch` datagrams are waiting or the item ends a dump.
private final class DatagramPipe: Sendable {
    enum Item: Sendable {
        case datagram(ByteView)
        case end(Int)
        case failed(SystemCallError)
    }

    private struct State {
        /// Arrays of datagrams the consumer is done with, for the producer
        /// to receive into again: after the first dumps the receiving thread
        /// allocates nothing, so it never waits for the allocator's lock
        /// while the decoding thread allocates (one malloc arena, see
        /// ResourceLimits.limitMallocArenas).
        var spares: [[UInt8]] = []
        var items: [Item] = []
        var cancelled = false
        /// The consumer found the queue empty and sleeps on `available`.
        var consumerWaiting = false
        /// The producer found the queue full and sleeps on `space`.
        var producerWaiting = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let space = DispatchSemaphore(value: 0)
    private let capacity: Int
    private let wakeBatch: Int

    init(capacity: Int, wakeBatch: Int = 8) {
        self.capacity = max(1, capacity)
        self.wakeBatch = max(1, min(wakeBatch, capacity))
    }

    /// Queues an item, waiting while the queue is full; false once the
    /// consumer cancelled. Every signal below answers exactly one wait: the
    /// flag that announced the wait is cleared by the side that signals.
    func push(_ item: Item) -> Bool {
        var urgent = true
        if case .datagram = item { urgent = false }
        while true {
            let outcome = state.withLock { state -> (accepted: Bool?, wake: Bool) in
                if state.cancelled { return (false, false) }
                guard state.items.count < capacity else {
                    state.producerWaiting = true
                    return (nil, false)
                }
                state.items.append(item)
                let wake = state.consumerWaiting && (urgent || state.items.count >= wakeBatch)
                if wake { state.consumerWaiting = false }
                return (true, wake)
            }
            if outcome.wake { available.signal() }
            if let accepted = outcome.accepted { return accepted }
            space.wait()
        }
    }

    /// An array handed back by the consumer, if any.
    func spare() -> [UInt8]? {
        state.withLock { $0.spares.popLast() }
    }

    /// Moves every queued item into `batch` (replacing its contents, whose
    /// datagram arrays become spares), sleeping until there is at least one.
    func take(into batch: inout [Item]) {
        var returned: [[UInt8]] = []
        for item in batch {
            if case let .datagram(view) = item { returned.append(view.base) }
        }
        batch.removeAll(keepingCapacity: true)
        if !returned.isEmpty {
            state.withLock { state in
                let room = max(0, capacity - state.spares.count)
                state.spares.append(contentsOf: returned.prefix(room))
            }
            returned.removeAll()
        }
        while true {
            let wakeProducer = state.withLock { state -> Bool? in
                guard !state.items.isEmpty else {
                    state.consumerWaiting = true
                    return nil
                }
                swap(&batch, &state.items)
                let wake = state.producerWaiting
                state.producerWaiting = false
                return wake
            }
            guard let wakeProducer else {
                available.wait()
                continue
            }
            if wakeProducer { space.signal() }
            return
        }
    }

    /// The consumer is done: the producer's next push returns false.
    func cancel() {
        let wake = state.withLock { state -> Bool in
            state.cancelled = true
            let wake = state.producerWaiting
            state.producerWaiting = false
            return wake
        }
        if wake { space.signal() }
    }
}
