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
        "probe": probe,
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
        // The same bytes as destroy notifications, through the ledger.
        var inbox = LedgerInbox(capacity: 64)
        var bytes = InterfaceByteCounters()
        var lifecycle = ConnectionLifecycle(options: .init(maximumTracked: 16, keepClosed: 4))
        bytes.beginUpdate()
        for subflow in snapshot.connections.flatMap(\.subflows) { bytes.record(subflow) }
        inbox.learn(cookies: Set(snapshot.connections.flatMap(\.subflows).map(\.cookie)))
        lifecycle.observe(snapshot, time: 1)
        for datagram in datagrams {
            let (messages, _) = NetlinkMessages.split(ByteView(datagram))
            for message in messages {
                guard let socket = DiagSocket(message, infoKind: .tcp), let close = SubflowClose(socket, time: 2) else { continue }
                if inbox.admits(cookie: close.cookie, tuple: close.tuple) { inbox.offer(close) }
            }
        }
        for close in inbox.drain().closes {
            lifecycle.destroyed(close, interface: "x")
            bytes.close(close, interface: "x")
        }
        _ = bytes.finishUpdate()
        lifecycle.settle(now: 10)
        _ = LedgerFamilies.families(lifecycle, bytes: bytes, reception: .init(available: true))
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
                _ = try? RouteRequest.answer(message)
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

    /// What a probe reads and is given: `getsockopt(SOL_MPTCP)` answers (the
    /// first byte picks MPTCP_FULL_INFO or the three older options; the rest
    /// is split in three) taken through the verdict and every output, and a
    /// probe configuration, a target and a query string from the same bytes.
    static func probe(_ bytes: [UInt8]) {
        guard let mode = bytes.first else { return }
        let rest = Array(bytes.dropFirst())
        let third = rest.count / 3
        let parts = [Array(rest[0..<third]), Array(rest[third..<2 * third]), Array(rest[(2 * third)...])]
        let info: MPTCPSocketInfo?
        if mode & 1 == 0 {
            info = MPTCPSocketOptions.decodeFullInfo(ByteView(parts[0]), subflowInfo: ByteView(parts[1]), tcpInfo: ByteView(parts[2]))
        } else {
            info = MPTCPSocketOptions.decodeSubflowData(info: ByteView(parts[0]), tcpInfo: ByteView(parts[1]), addresses: ByteView(parts[2]))
        }
        var seen = ProbeObservation(target: ProbeTarget(host: "192.0.2.1", port: 443))
        seen.address = SocketAddress(address: IPAddress(family: IPAddress.inet, bytes: [192, 0, 2, 1]), port: 443)
        seen.local = info?.subflows.first?.local
        seen.connectSeconds = 0.001
        seen.mptcpAtConnect = mode & 2 == 0
        seen.mptcpAtEnd = mode & 4 == 0
        seen.info = info
        seen.tcpAtConnect = info?.subflows.first?.tcp
        seen.endpoints = info?.subflows.compactMap { $0.local.map { Endpoint(id: 1, address: $0.address, flags: 2) } }
        seen.limits = PathManagerLimits(subflows: UInt32(mode), addAddrAccepted: UInt32(mode >> 4))
        seen.events = mode & 8 == 0 ? [] : nil
        let result = ProbeResult.evaluate(seen, module: ProbeModule(), moduleName: "fuzz")
        _ = ProbeText.render(result, log: true)
        _ = ExpositionRenderer.render(ProbeFamilies.families(result))
        _ = ProbeOutcome.json(result)
        let text = String(decoding: rest, as: UTF8.self)
        _ = try? ProbeConfig.parse(text)
        _ = ProbeTarget(parsing: text)
        _ = try? ProbeAllowList.entry(text)
        _ = QueryString.parse("/probe?" + text)
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
                                    scrape: { await scraper.scrape(only: $0).families })
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
