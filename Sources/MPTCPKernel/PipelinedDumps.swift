import Dispatch
import MPTCPCore
import Synchronization

/// Several netlink dumps received on a second thread while the calling
/// thread decodes: the kernel fills the next datagram (most of a dump's cost,
/// see BENCHMARKS.md) while the previous one is decoded, so on a machine with
/// two cores the decoding hides behind the kernel's work.
///
/// The receiving thread copies each datagram into a bounded queue (64
/// datagrams, about 2 MiB) and stops when the decoder stops early; the call
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
                    try box.transport.dump(request.bytes, sequence: request.sequence) { view in
                        // Once stopped, the rest of this dump is read and dropped (the socket is left clean).
                        if !stopped, !pipe.push(.datagram(view.bytes)) { stopped = true }
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
        while ended < requests.count {
            switch pipe.pop() {
            case let .datagram(bytes):
                if !body(.datagram(ByteView(bytes))) { return }
            case let .end(index):
                ended += 1
                if !body(.end(index)) { return }
            case let .failed(error):
                throw error
            }
        }
    }
}

/// The transport, handed to the receiving thread (used by one thread at a time).
private final class TransportBox: @unchecked Sendable {
    let transport: any NetlinkTransport
    init(_ transport: any NetlinkTransport) { self.transport = transport }
}

/// A bounded single-producer, single-consumer queue of received datagrams.
private final class DatagramPipe: Sendable {
    enum Item: Sendable {
        case datagram([UInt8])
        case end(Int)
        case failed(SystemCallError)
    }

    private let state = Mutex<(items: [Item], head: Int, cancelled: Bool)>(([], 0, false))
    private let available = DispatchSemaphore(value: 0)
    private let space = DispatchSemaphore(value: 0)

    init(capacity: Int) {
        // Counted up from 0: libdispatch traps when a semaphore is released below its initial value.
        for _ in 0..<capacity { space.signal() }
    }

    /// Waits for room; false once the consumer cancelled.
    func push(_ item: Item) -> Bool {
        if state.withLock({ $0.cancelled }) { return false }
        space.wait()
        let accepted = state.withLock { state -> Bool in
            guard !state.cancelled else { return false }
            state.items.append(item)
            return true
        }
        if accepted { available.signal() }
        return accepted
    }

    func pop() -> Item {
        available.wait()
        let item = state.withLock { state -> Item in
            let item = state.items[state.head]
            state.head += 1
            if state.head > 64, state.head * 2 > state.items.count {
                state.items.removeFirst(state.head)
                state.head = 0
            }
            return item
        }
        space.signal()
        return item
    }

    /// The consumer is done: the producer's next push returns false.
    func cancel() {
        state.withLock { $0.cancelled = true }
        space.signal()
    }
}
