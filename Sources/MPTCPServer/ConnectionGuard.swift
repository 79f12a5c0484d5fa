import MPTCPModel
import NIOCore
import NIOHTTP1
import Synchronization

/// Keeps the count of open connections under ``ServerLimits/maxConnections``
/// and knows which connections are only waiting for a request, so that at
/// the limit the one that has waited longest makes room for a new client.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        /// When the connection started waiting for its next request head;
        /// nil while a request is being answered.
        var waitingSince: NIODeadline?
    }

    let limit: Int
    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    init(limit: Int) { self.limit = max(1, limit) }

    var count: Int { entries.withLock { $0.count } }

    /// Admits a new connection. At the limit, closes the connection that has
    /// waited longest for a request head to make room, or refuses (false) if
    /// every connection is being answered.
    func admit(_ channel: any Channel) -> Bool {
        let (admitted, victim) = entries.withLock { entries -> (Bool, (any Channel)?) in
            var victim: (any Channel)?
            if entries.count >= limit {
                let oldest = entries.compactMap { key, entry in entry.waitingSince.map { (key, $0) } }
                    .min { $0.1 < $1.1 }
                guard let (key, _) = oldest else { return (false, nil) }
                victim = entries.removeValue(forKey: key)?.channel
            }
            entries[ObjectIdentifier(channel)] = Entry(channel: channel, waitingSince: .now())
            return (true, victim)
        }
        victim?.close(promise: nil)
        return admitted
    }

    func remove(_ channel: any Channel) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func setAnswering(_ channel: any Channel) {
        entries.withLock { $0[ObjectIdentifier(channel)]?.waitingSince = nil }
    }

    func setWaiting(_ channel: any Channel) {
        entries.withLock { $0[ObjectIdentifier(channel)]?.waitingSince = .now() }
    }
}

/// First handler of a connection, on raw bytes: bounds the size of a request
/// head and the time it may take, and the time a connection may sit idle.
///
/// It cannot see where a head ends (the HTTP decoder after it does), so
/// ``RequestObserver`` tells it: ``headReceived()`` when the decoder produced a
/// head, ``responseFinished()`` when the answer was written. Bytes received
/// since the last head are counted against
/// ``ServerLimits/maxRequestHeadBytes``; past it, the client gets 414 (no line
/// end yet: the request line is too long) or 431 and the connection closes,
/// before the decoder ever buffers that much.
final class RequestHeadGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limits: ServerLimits
    private var context: ChannelHandlerContext?
    private var bytesSinceHead = 0
    private var sawLineEnd = false
    private var answering = false
    private var rejected = false
    private var timer: Scheduled<Void>?
    private var writeTimer: Scheduled<Void>?

    init(limits: ServerLimits) { self.limits = limits }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // A new connection has the header timeout to send its first request
        // head (and, with TLS, to finish its handshake).
        arm(limits.readHeaderTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        writeTimer?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !rejected else { return }
        let buffer = unwrapInboundIn(data)
        if !answering, bytesSinceHead == 0, buffer.readableBytes > 0 {
            // The first byte of a request: from idle to reading a head.
            arm(limits.readHeaderTimeout)
        }
        bytesSinceHead += buffer.readableBytes
        if !sawLineEnd { sawLineEnd = buffer.readableBytesView.contains(UInt8(ascii: "\n")) }
        if bytesSinceHead > limits.maxRequestHeadBytes {
            reject(context: context, tooLongLine: !sawLineEnd)
            return
        }
        context.fireChannelRead(data)
    }

    /// The decoder produced a request head.
    func headReceived() {
        bytesSinceHead = 0
        sawLineEnd = false
        answering = true
        timer?.cancel()
        timer = nil
    }

    /// The response started: the client has the write timeout to take it.
    func responseStarted() {
        guard let context else { return }
        writeTimer?.cancel()
        writeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.timeAmount(limits.writeTimeout)) {
            context.close(promise: nil)
        }
    }

    /// The response was written: wait for the next request.
    func responseFinished() {
        writeTimer?.cancel()
        writeTimer = nil
        answering = false
        arm(bytesSinceHead > 0 ? limits.readHeaderTimeout : limits.idleTimeout)
    }

    private func arm(_ duration: Duration) {
        guard let context else { return }
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.timeAmount(duration)) {
            context.close(promise: nil)
        }
    }

    private func reject(context: ChannelHandlerContext, tooLongLine: Bool) {
        rejected = true
        timer?.cancel()
        let status = tooLongLine ? "414 URI Too Long" : "431 Request Header Fields Too Large"
        let body = tooLongLine
            ? "414 request line longer than \(limits.maxRequestHeadBytes) bytes\n"
            : "431 request head longer than \(limits.maxRequestHeadBytes) bytes\n"
        let response = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let buffer = context.channel.allocator.buffer(string: response)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.clampedNanoseconds)
    }
}

/// Last handler before the application, on HTTP parts: tells the
/// ``RequestHeadGuard`` and the ``ConnectionRegistry`` where each request
/// and response begins and ends.
final class RequestObserver: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let headGuard: RequestHeadGuard
    private let registry: ConnectionRegistry

    init(headGuard: RequestHeadGuard, registry: ConnectionRegistry) {
        self.headGuard = headGuard
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            headGuard.headReceived()
            registry.setAnswering(context.channel)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head:
            headGuard.responseStarted()
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            let written = promise ?? context.eventLoop.makePromise()
            let headGuard = self.headGuard
            let registry = self.registry
            let channel = context.channel
            written.futureResult.assumeIsolated().whenSuccess {
                headGuard.responseFinished()
                registry.setWaiting(channel)
            }
            context.write(data, promise: written)
        }
    }
}
