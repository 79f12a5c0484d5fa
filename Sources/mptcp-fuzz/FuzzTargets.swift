import Logging
import MPTCPCollectors
import MPTCPWire
import MPTCPModel
import MPTCPPresentation
import MPTCPServer
import MPTCPTerminal
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// The fuzz targets: every parser and decoder that reads bytes someone
/// else wrote. Each takes arbitrary bytes and must return; a trap, an
/// out-of-range access or a hang is a finding.
enum FuzzTargets {
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "netstat": netstat,
        "sockdiag": sockDiag,
        "genl": genericNetlink,
        "archive": archive,
        "report": report,
        "topframe": topFrame,
        "http": http,
        "webconfig": webConfig,
    ]

    static var names: [String] { all.keys.sorted() }

    /// `/proc/net/netstat` and `/proc/net/snmp` text, and `net.mptcp.*` sysctl values.
    static func netstat(_ bytes: [UInt8]) {
        let table = NetstatParser.parse(bytes)
        _ = CounterFamilies.families(from: table)
        var sysctls = MPTCPSysctls()
        sysctls.add(name: "enabled", text: String(decoding: bytes.prefix(64), as: UTF8.self))
        sysctls.add(name: "path_manager", text: String(decoding: bytes.prefix(64), as: UTF8.self))
    }

    /// sock_diag datagrams: the first byte picks MPTCP or TCP info; the rest
    /// is split into datagrams at 0xFE 0xFE pairs, decoded and joined.
    static func sockDiag(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let datagrams = split(Array(bytes.dropFirst()))
        let kind: String = first & 1 == 0 ? "mptcp-inet" : "tcp-inet"
        var raw: [String: [[UInt8]]] = [kind: datagrams]
        if first & 2 != 0 { raw["tcp-inet6"] = datagrams }
        let snapshot = ConnectionJoiner.join(raw: raw)
        _ = ConnectionFamilies.families(snapshot, interfaceBytes: [:], decodeErrors: 0,
                                        options: .init(perConnection: true, maxConnections: 50))
    }

    /// Generic netlink replies and events of mptcp_pm and the controller.
    static func genericNetlink(_ bytes: [UInt8]) {
        for datagram in split(bytes) {
            let view = ByteView(datagram)
            let (messages, _) = NetlinkMessages.split(view)
            var log = PathManagerEventLog(capacity: 4)
            for message in messages {
                _ = message.errorCode
                _ = try? GenericNetlinkFamily(message)
                _ = try? Endpoint(message)
                _ = try? PathManagerLimits(message)
                _ = try? RouteRequest.outputInterface(message)
                if let event = try? PathManagerEvent(message) { log.record(event) }
            }
        }
    }

    /// Snapshot archives given to `report --from`: tar, then the datagram files inside.
    static func archive(_ bytes: [UInt8]) {
        _ = try? SnapshotArchive.decode(bytes)
        _ = SnapshotArchive.decodeDatagrams(bytes)
    }

    /// A snapshot archive from a stranger (`report --from`) through the whole
    /// report: decoding, the builder and its rules, and every renderer.
    static func report(_ bytes: [UInt8]) {
        guard let snapshot = try? SnapshotArchive.decode(bytes) else { return }
        let report = ReportBuilder.build(snapshot)
        _ = ReportRenderer.render(report, style: .text)
        _ = ReportRenderer.render(report, style: .markdown, options: .init(showZeroCounters: true))
        _ = ReportHTML.render(report)
    }

    /// `/api/v1/snapshot` JSON from a hostile exporter (`mptcp-top --source`):
    /// two snapshots (split at 0xFE 0xFE) so that rates are computed, then
    /// frames of every view at 80x24 and 160x50, and a batch frame.
    static func topFrame(_ bytes: [UInt8]) {
        var state = TopState(interval: 2, source: "fuzz", namespace: "host")
        for part in split(bytes).prefix(2) {
            guard let snapshot = try? LiveSnapshotJSON.decode(part) else { continue }
            state.update(snapshot)
        }
        state.expanded = state.current?.connections.first?.token
        for view in TopState.View.allCases {
            state.view = view
            _ = TopRenderer.render(state, width: 80, height: 24).plain(height: 24)
            _ = TopRenderer.render(state, width: 160, height: 50).ansi(height: 50, color: true)
        }
        let current = state.current
        TopApp.runBatch(state: state, iterations: 1, width: 80, write: { _ in }, fetch: {
            guard let current else { throw FuzzNoSnapshot() }
            return current
        })
    }

    struct FuzzNoSnapshot: Error {}

    /// Bytes from an HTTP client, through the server's own pipeline (head
    /// guard, NIO's decoder, pipelining and error handlers, observer) in an
    /// EmbeddedChannel, answered as the server answers: routing, the
    /// Accept-Encoding and Authorization headers.
    static func http(_ bytes: [UInt8]) {
        let channel = EmbeddedChannel()
        var limits = ServerLimits()
        limits.maxRequestHeadBytes = 1024
        do {
            try MetricsServer.configurePipeline(channel, limits: limits)
            try channel.pipeline.syncOperations.addHandler(FuzzResponder())
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        } catch {
            return
        }
        // Feed in a few pieces, as a network would.
        var offset = 0
        var pieceSize = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + pieceSize)
            var buffer = channel.allocator.buffer(capacity: end - offset)
            buffer.writeBytes(bytes[offset..<end])
            do {
                try channel.writeInbound(buffer)
            } catch {
                break
            }
            while (try? channel.readOutbound(as: ByteBuffer.self)) != nil {}
            offset = end
            pieceSize = pieceSize * 3 + 1
        }
        _ = try? channel.finish()
    }

    /// `--web.config.file` text: the YAML reader, then the configuration checks.
    static func webConfig(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? ConfigYAML.parse(text)
        _ = try? WebConfig.parse(text, directory: "/etc/mptcp-exporter")
    }

    /// 0xFE 0xFE separates datagrams in the fuzz input.
    static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = [[]]
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0xFE, index + 1 < bytes.count, bytes[index + 1] == 0xFE {
                parts.append([])
                index += 2
                continue
            }
            parts[parts.count - 1].append(bytes[index])
            index += 1
        }
        return parts
    }
}

/// Answers every request as the server would decide it, without scraping.
final class FuzzResponder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(requestHead):
            head = requestHead
        case .body:
            break
        case .end:
            guard let request = head else { return }
            head = nil
            let scraper = FuzzResponder.scraper
            let router = HTTPRouter(telemetryPath: "/metrics", collectorNames: scraper.collectors.map(\.name),
                                    scrape: { await scraper.scrape().families })
            let route = router.route(method: request.method.rawValue, uri: request.uri)
            let gzip = AcceptEncoding.acceptsGzip(request.headers[canonicalForm: "accept-encoding"].map(String.init))
            let credentials = request.headers.first(name: "authorization").flatMap(BasicAuthenticator.credentials)
            let body = "\(route) \(gzip) \(credentials?.0 ?? "")"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    static let scraper = Scraper(collectors: [], logger: Logger(label: "fuzz"))
}
