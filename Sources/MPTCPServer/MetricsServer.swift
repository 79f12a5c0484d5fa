import FoundationEssentials
import Logging
import MPTCPWire
import MPTCPModel
import MPTCPKernel
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The HTTP/1.1 endpoint: `GET /metrics` (gzip when the client accepts it),
/// `GET /` a landing page, `HEAD` for both, 404 and 405 otherwise.
///
/// Each connection is served in its own task of a discarding task group, and
/// its errors are caught there: a bad client costs its own connection only.
/// ``ServerLimits`` bound what one client may hold (connections, head size,
/// header, idle and write time). On graceful shutdown the listening socket
/// closes and idle keep-alive connections are cancelled.
public struct MetricsServer: Service {
    public let address: ListenAddress
    public let router: HTTPRouter
    public let limits: ServerLimits
    public let security: WebSecurity
    private let registry: ConnectionRegistry
    private let logger: Logger
    private let onBound: @Sendable (ListenAddress) -> Void

    public init(
        address: ListenAddress, router: HTTPRouter, limits: ServerLimits = ServerLimits(),
        security: WebSecurity = WebSecurity(), logger: Logger,
        onBound: @escaping @Sendable (ListenAddress) -> Void = { _ in }
    ) {
        self.address = address
        self.router = router
        self.limits = limits
        self.security = security
        self.registry = ConnectionRegistry(limit: limits.maxConnections)
        self.logger = logger
        self.onBound = onBound
    }

    public func run() async throws {
        let server = try await bind()
        let bound = ListenAddress(host: address.host, port: server.channel.localAddress?.port ?? address.port)
        logger.info("listening", metadata: [
            "address": "\(bound)", "telemetry_path": "\(router.telemetryPath)",
            "tls": "\(security.tls != nil)", "basic_auth": "\(security.authenticator.enabled)",
        ])
        onBound(bound)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask {
                            // Idle keep-alive connections must not hold up shutdown.
                            _ = await cancelWhenGracefulShutdown {
                                await self.serve(connection)
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
        logger.info("stopped")
    }

    private func bind() async throws -> NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never> {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
        let limits = self.limits
        let registry = self.registry
        let tls = self.security.tls
        let logger = self.logger
        let initializer: @Sendable (Channel) -> EventLoopFuture<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>> = { channel in
            guard registry.admit(channel) else {
                logger.warning("connection refused: every connection is being answered", metadata: ["max_connections": "\(limits.maxConnections)"])
                return channel.eventLoop.makeFailedFuture(ConnectionRefused())
            }
            channel.closeFuture.whenComplete { _ in registry.remove(channel) }
            return channel.eventLoop.makeCompletedFuture {
                try MetricsServer.configurePipeline(channel, limits: limits, registry: registry, tls: tls)
                return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
            }
        }
        do {
            if address.host.isEmpty {
                // Every address: IPv6 wildcard (dual stack), IPv4 if the host has no IPv6.
                do {
                    return try await bootstrap.bind(host: "::", port: address.port, childChannelInitializer: initializer)
                } catch let error as IOError where error.errnoCode == EAFNOSUPPORT || error.errnoCode == EADDRNOTAVAIL {
                    return try await bootstrap.bind(host: "0.0.0.0", port: address.port, childChannelInitializer: initializer)
                }
            }
            return try await bootstrap.bind(host: address.host, port: address.port, childChannelInitializer: initializer)
        } catch {
            throw ListenFailure(address: address, error: error)
        }
    }

    /// The handlers of one connection, in order: TLS (when configured), the
    /// request-head guard on raw bytes, NIO's HTTP/1.1 decoder, encoder,
    /// pipelining and error handlers, and the request observer. Public for
    /// the HTTP fuzz target, which drives the same pipeline in an
    /// `EmbeddedChannel`.
    public static func configurePipeline(_ channel: any Channel, limits: ServerLimits, tls: TLSServer? = nil) throws {
        try configurePipeline(channel, limits: limits, registry: ConnectionRegistry(limit: limits.maxConnections), tls: tls)
    }

    static func configurePipeline(_ channel: any Channel, limits: ServerLimits, registry: ConnectionRegistry, tls: TLSServer?) throws {
        let headGuard = RequestHeadGuard(limits: limits)
        let operations = channel.pipeline.syncOperations
        if let tls { try operations.addHandler(tls.handler()) }
        try operations.addHandler(headGuard)
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = limits.maxRequestHeadBytes
        decoderLimits.maxHeaderListSize = limits.maxRequestHeadBytes
        try operations.configureHTTPServerPipeline(
            withErrorHandling: true, withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
        try operations.addHandler(RequestObserver(headGuard: headGuard, registry: registry))
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case let .head(requestHead):
                        head = requestHead
                    case .body:
                        continue
                    case .end:
                        guard let request = head else { continue }
                        head = nil
                        let keepAlive = try await respond(to: request, outbound: outbound)
                        if !keepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Writes the response; returns whether the connection stays open.
    private func respond(
        to request: HTTPRequestHead, outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws -> Bool {
        var response: HTTPRouter.Response
        if await security.authenticator.allows(authorization: request.headers.first(name: "authorization")) {
            response = await router.respond(method: request.method.rawValue, uri: request.uri)
        } else {
            response = HTTPRouter.Response(
                status: 401, reason: "Unauthorized",
                headers: [("Content-Type", "text/plain; charset=utf-8"), ("WWW-Authenticate", "Basic realm=\"mptcp-exporter\", charset=\"UTF-8\"")],
                body: Array("401 unauthorized\n".utf8))
        }
        var headers = HTTPHeaders()
        for (name, value) in security.headers { headers.add(name: name, value: value) }
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if response.compressible {
            headers.add(name: "Vary", value: "Accept-Encoding")
            if AcceptEncoding.acceptsGzip(request.headers[canonicalForm: "accept-encoding"].map(String.init)),
               let compressed = Gzip.compress(response.body) {
                response.body = compressed
                headers.add(name: "Content-Encoding", value: "gzip")
            }
        }
        headers.add(name: "Content-Length", value: String(response.body.count))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(
            version: request.version,
            status: HTTPResponseStatus(statusCode: response.status, reasonPhrase: response.reason),
            headers: headers)
        if request.method != .HEAD, !response.body.isEmpty {
            try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(ByteBuffer(bytes: response.body))), .end(nil)])
        } else {
            try await outbound.write(contentsOf: [.head(head), .end(nil)])
        }
        return keepAlive
    }
}



/// The connection was closed at once: every allowed connection is being answered.
struct ConnectionRefused: Error {}

/// What `--web.config.file` turns on: TLS, basic authentication, extra headers.
public struct WebSecurity: Sendable {
    public var tls: TLSServer?
    public var authenticator: BasicAuthenticator
    public var headers: [(String, String)]

    public init(tls: TLSServer? = nil, authenticator: BasicAuthenticator = BasicAuthenticator(users: [:]), headers: [(String, String)] = []) {
        self.tls = tls
        self.authenticator = authenticator
        self.headers = headers
    }

    /// Reads and checks the file; every problem is an error naming it.
    public static func load(path: String) throws -> WebSecurity {
        let text: String
        do {
            text = String(decoding: try InputFile.read(path, limit: 1 << 20), as: UTF8.self)
        } catch {
            throw WebConfig.Invalid(error.description)
        }
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let config = try WebConfig.parse(text, directory: directory)
        return WebSecurity(
            tls: try config.tls.map(TLSServer.init),
            authenticator: BasicAuthenticator(users: config.basicAuthUsers),
            headers: config.headers)
    }
}

/// Why `--web.listen-address` could not be listened on, in the exporter's words.
public struct ListenFailure: Error, CustomStringConvertible {
    public var address: ListenAddress
    public var reason: String

    init(address: ListenAddress, error: any Error) {
        self.address = address
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE: reason = "EADDRINUSE: another program (or another exporter) already listens on that port"
            case EADDRNOTAVAIL: reason = "EADDRNOTAVAIL: no interface of this host has that address"
            case EACCES: reason = "EACCES: ports below 1024 need CAP_NET_BIND_SERVICE"
            default: reason = "\(ErrnoNames.name(error.errnoCode)) (\(String(cString: strerror(error.errnoCode))))"
            }
        } else if let error = error as? SocketAddressError.UnknownHost {
            reason = "unknown host \(error.host): \(error.errorDescription)"
        } else if let error = error as? SocketAddressError, case let .unknown(host, _) = error {
            reason = "unknown host \(host): it does not resolve to an address"
        } else {
            reason = "\(error)"
        }
    }

    public var description: String { "cannot listen on --web.listen-address \(address): \(reason)" }
}
