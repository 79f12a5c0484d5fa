import ArgumentParser
import FoundationEssentials
import Logging
import MPTCPCollectors
import MPTCPCommandLine
import MPTCPWire
import MPTCPModel
import MPTCPKernel
import MPTCPServer
import ServiceLifecycle

/// `mptcp-exporter serve`: the Prometheus endpoint.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the metrics over HTTP for Prometheus (the default subcommand).",
        discussion: """
        Every scrape reads the kernel at that moment; nothing runs between scrapes. \
        SIGTERM and SIGINT stop the server cleanly.
        """)

    @Option(name: .customLong("web.listen-address"),
            help: "Address to listen on: host:port, [ipv6]:port, or :port for every address.")
    var listenAddress: String = ":9262"

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to expose the metrics.")
    var telemetryPath: String = "/metrics"

    @Option(name: .customLong("web.config.file"),
            help: "Web configuration file (Prometheus exporter-toolkit format): TLS, basic authentication, response headers.")
    var webConfigFile: String?

    @Option(name: .customLong("web.max-connections"), parsing: .unconditional,
            help: "Open connections at most. At the limit, the connection that has waited longest for a request makes room for a new one.")
    var maxHTTPConnections: Int = ServerLimits().maxConnections

    @Option(name: .customLong("web.max-request-head-bytes"), parsing: .unconditional,
            help: "Bytes of request line and headers at most (longer: 414 or 431, connection closed).")
    var maxRequestHeadBytes: Int = ServerLimits().maxRequestHeadBytes

    @Option(name: .customLong("web.read-header-timeout"), parsing: .unconditional,
            help: "Seconds a client has to send a whole request head (from connecting, or from its first byte).")
    var readHeaderTimeout: Double = 10

    @Option(name: .customLong("web.idle-timeout"), parsing: .unconditional, help: "Seconds a keep-alive connection may wait for its next request.")
    var idleTimeout: Double = 120

    @Option(name: .customLong("web.write-timeout"), parsing: .unconditional, help: "Seconds a client has to take a response before it is disconnected.")
    var writeTimeout: Double = 30

    @Option(name: .customLong("collector.timeout"), parsing: .unconditional,
            help: "Seconds one collector may take in a scrape; past it, that collector reports success 0 (timed out) and the scrape is served without it.")
    var collectorTimeout: Double = 10

    @Option(name: .customLong("path.procfs"), help: "procfs mount point (read: net/netstat, net/snmp, sys/net/mptcp).")
    var procfs: String = "/proc"

    @Option(name: .customLong("log.level"), help: "Only log messages at this level or above: debug, info, warn, error.")
    var logLevel: LogLevelOption = .info

    @Flag(name: .customLong("collector.netstat"), inversion: .prefixedNo,
          help: "Collector netstat: MPTcpExt counters and the TCP counters they are read against.")
    var netstatCollector: Bool = true

    @Flag(name: .customLong("collector.connections"), inversion: .prefixedNo,
          help: "Collector connections: MPTCP connections, subflows and listeners through sock_diag (netlink).")
    var connectionsCollector: Bool = true

    @Flag(name: .customLong("collector.path-manager"), inversion: .prefixedNo,
          help: "Collector path_manager: endpoints and limits through generic netlink (mptcp_pm).")
    var pathManagerCollector: Bool = true

    @Flag(name: .customLong("collector.sysctl"), inversion: .prefixedNo,
          help: "Collector sysctl: the net.mptcp.* sysctls under <procfs>/sys/net/mptcp.")
    var sysctlCollector: Bool = true

    @Option(name: .customLong("collector.pm-events"),
            help: "Listen to path-manager events: auto, on, off. A listener anywhere on the host makes every network namespace that uses the userspace path manager accept subflows as if a path-manager daemon ran; auto listens only while no namespace of the host uses it (surveyed at start and every --collector.pm-events.recheck-interval seconds; needs CAP_SYS_ADMIN to read other namespaces). Listening needs CAP_NET_ADMIN.")
    var pmEvents: EventsMode = .auto

    @Option(name: .customLong("collector.pm-events.recheck-interval"), parsing: .unconditional,
            help: "With --collector.pm-events=auto, seconds between two surveys of the host's namespaces.")
    var pmEventsRecheck: Double = 5

    @Option(name: .customLong("collector.pm-events.buffer"), parsing: .unconditional, help: "Recent path-manager events kept in memory.")
    var eventBuffer: Int = 256

    @Flag(name: .customLong("namespaces.named"),
          help: "Also watch every named network namespace (/run/netns/*); series get a namespace label.")
    var namedNamespaces = false

    @Option(name: .customLong("namespaces.pid"),
            help: "Also watch the network namespace of this process (repeatable); series get a namespace label.")
    var namespacePids: [Int32] = []

    @Flag(name: .customLong("namespaces.all"),
          help: "Watch every distinct network namespace of the running processes (/proc/*/ns/net, by inode).")
    var allNamespaces = false

    @Flag(name: .customLong("collector.connections.per-connection"),
          help: "Also publish one series set per connection and per subflow (token, endpoints, bytes, rtt, cwnd).")
    var perConnection: Bool = false

    @Option(name: .customLong("collector.connections.max-connections"), parsing: .unconditional,
            help: "With per-connection series, publish at most this many connections (the rest are counted in mptcp_exporter_connection_series_dropped).")
    var maxConnections: Int = 200

    @Flag(name: .customLong("collector.connections.ledger"), inversion: .prefixedNo,
          help: "Receive the kernel's TCP destroy notifications (sock_diag, CAP_NET_ADMIN) so that per-interface bytes include every subflow's final values, and follow each connection's life (histograms, recently closed). Every TCP socket freed in the namespace is then reported to the exporter (README \"Subflow ledger\" says what it costs).")
    var ledgerEnabled = true

    @Option(name: .customLong("collector.connections.ledger.max-rate"), parsing: .unconditional,
            help: "TCP sockets freed per second in a namespace above which the ledger leaves the notification groups there (each notification costs the kernel and the exporter about 11 µs of CPU together: BENCHMARKS.md); it joins again below half of it. 0: no limit.")
    var ledgerMaxRate: Double = SubflowCloseListener.defaultMaximumRate

    @Option(name: .customLong("collector.connections.ledger.max-tracked"), parsing: .unconditional,
            help: "Connections the ledger follows at once; beyond, new ones are counted in mptcp_ledger_overflow_total.")
    var ledgerMaxTracked: Int = 100_000

    @Option(name: .customLong("collector.connections.closed-kept"), parsing: .unconditional,
            help: "Connections that ended kept for /api/v1/snapshot and mptcp-top (0 keeps none).")
    var closedKept: Int = 64

    @Option(name: .customLong("probe.config.file"),
            help: "Probe configuration (modules and allowed_targets, README \"MPTCP probe\"): serves /probe?target=HOST:PORT&module=NAME. Without it, /probe does not exist: nothing is probed that the configuration does not allow.")
    var probeConfigFile: String?

    @Option(name: .customLong("probe.max-concurrent"), parsing: .unconditional,
            help: "Probes running at once at most; one more is answered 503 at once.")
    var probeMaxConcurrent: Int = 4

    public init() {}

    public func validate() throws {
        guard probeMaxConcurrent >= 1, probeMaxConcurrent <= 256 else { throw ValidationError("--probe.max-concurrent must be between 1 and 256") }
        guard ledgerMaxTracked >= 1, ledgerMaxTracked <= 10_000_000 else {
            throw ValidationError("--collector.connections.ledger.max-tracked must be between 1 and 10000000")
        }
        guard closedKept >= 0, closedKept <= 10_000 else { throw ValidationError("--collector.connections.closed-kept must be between 0 and 10000") }
        guard ledgerMaxRate.isFinite, ledgerMaxRate >= 0 else { throw ValidationError("--collector.connections.ledger.max-rate must be 0 or more") }
        guard pmEventsRecheck.isFinite, pmEventsRecheck >= 0.1, pmEventsRecheck <= 3600 else {
            throw ValidationError("--collector.pm-events.recheck-interval must be between 0.1 and 3600 seconds")
        }
        guard eventBuffer >= 1 else { throw ValidationError("--collector.pm-events.buffer must be at least 1") }
        guard maxConnections >= 0 else { throw ValidationError("--collector.connections.max-connections must be 0 or more") }
        guard maxHTTPConnections >= 1 else { throw ValidationError("--web.max-connections must be at least 1") }
        guard maxRequestHeadBytes >= 256 else { throw ValidationError("--web.max-request-head-bytes must be at least 256") }
        for (flag, value) in [("--web.read-header-timeout", readHeaderTimeout), ("--web.idle-timeout", idleTimeout),
                              ("--web.write-timeout", writeTimeout), ("--collector.timeout", collectorTimeout)] {
            guard value.isFinite, value > 0, value <= 86_400 else { throw ValidationError("\(flag) must be a number of seconds above 0 (at most 86400)") }
        }
        do { _ = try ListenAddress.parse(listenAddress) } catch { throw ValidationError(error.description) }
        guard telemetryPath.hasPrefix("/"), telemetryPath != "/" else {
            throw ValidationError("--web.telemetry-path must start with / and not be / (the landing page)")
        }
    }

    public func run() async throws {
        let level = logLevel.level
        LoggingSystem.bootstrap { label in LogfmtLogHandler(label: label, level: level) }
        let logger = Logger(label: "mptcp-exporter")
        let address = try ListenAddress.parse(listenAddress)
        var security = WebSecurity()
        if let webConfigFile {
            do {
                security = try WebSecurity.load(path: webConfigFile)
            } catch {
                logger.error("invalid --web.config.file", metadata: ["file": "\(webConfigFile)", "error": "\(error)"])
                throw ExitCode(2)
            }
        }

        var probeConfig: ProbeConfig?
        if let probeConfigFile {
            do {
                probeConfig = try ProbeConfig.load(path: probeConfigFile)
            } catch {
                logger.error("invalid --probe.config.file", metadata: ["file": "\(probeConfigFile)", "error": "\(error)"])
                throw ExitCode(2)
            }
        }

        let namespaces = NamespaceDiscovery.Options(named: namedNamespaces, pids: namespacePids, all: allNamespaces)
        // One reader per namespace: /metrics and /api/v1/snapshot read through the same sockets.
        let reader = NamespaceReader(procfs: procfs)
        let namespaceReaders = NamespaceReaders()
        // The subflow ledger of the exporter's own namespace: destroy
        // notifications, and the path-manager events that name subflows.
        let ledger = connectionsCollector && ledgerEnabled && !namespaces.enabled
            ? Self.ledgerListener(maximumRate: ledgerMaxRate > 0 ? ledgerMaxRate : nil, logger: logger) : nil
        let events = Self.eventsSupervisor(mode: pmEvents, procfs: procfs, recheck: pmEventsRecheck, capacity: eventBuffer, logger: logger,
                                           onDatagram: ledger?.receive)
        // The verdicts of the exporter's own namespace also use the events kept (the only namespace listened to).
        let recentEvents: @Sendable () -> [PathManagerEvent]? = { events.reasonNotListening == nil ? events.recorder.snapshot.recent : nil }
        var collectors = kernelCollectors(namespaces: namespaces, reader: reader, namespaceReaders: namespaceReaders,
                                          recentEvents: recentEvents, ledger: ledger, logger: logger)
        collectors.append(PathManagerEventsCollector(supervisor: events))
        // /api/v1/snapshot reads through deadline runners as /metrics does (--collector.timeout per source).
        let snapshot: @Sendable () async -> LiveSnapshot
        if namespaces.enabled {
            var ledgers: (@Sendable (NetworkNamespace) -> ConnectionsCollector?)?
            if let perNamespace = collectors.lazy.compactMap({ $0 as? NamespacesCollector }).first {
                ledgers = { (namespace: NetworkNamespace) -> ConnectionsCollector? in perNamespace.connectionsCollector(for: namespace) }
            }
            let live = NamespacesSnapshotReader(options: namespaces, events: events, timeout: .seconds(collectorTimeout), readers: namespaceReaders,
                                                ledger: ledgers)
            snapshot = { await live.read() }
        } else {
            let live = LiveSnapshotReader(reader: reader, events: events, timeout: .seconds(collectorTimeout),
                                          ledger: collectors.lazy.compactMap { $0 as? ConnectionsCollector }.first)
            snapshot = { await live.read() }
        }
        logger.info("starting mptcp-exporter", metadata: [
            "version": "\(BuildInfo.version)",
            "collectors": "\(collectors.map(\.name).joined(separator: ","))",
            "procfs": "\(procfs)",
        ])
        if !namespaces.enabled { warnAboutUnreadableFiles(logger: logger) }

        let openFiles = ResourceLimits.raiseOpenFileLimit()
        if openFiles > 0, openFiles < UInt64(maxHTTPConnections) + 64 {
            logger.warning("the open-file limit is below --web.max-connections plus what the collectors need", metadata: [
                "open_files": "\(openFiles)", "max_connections": "\(maxHTTPConnections)",
            ])
        }
        let scraper = Scraper(collectors: collectors, timeout: .seconds(collectorTimeout), logger: logger)
        let probe = probeConfig.map { config in
            let prober = Prober(reader: reader, events: events, maxInFlight: probeMaxConcurrent)
            return HTTPRouter.ProbeService(config: config) { target, module, name, allowList in
                await prober.probe(target, module: module, moduleName: name, allowed: { allowList.allows($0, address: $1) })
            }
        }
        if let probeConfig {
            logger.info("serving /probe", metadata: ["modules": "\(probeConfig.modules.keys.sorted().joined(separator: ","))",
                                                     "allowed_targets": "\(probeConfig.allowList.entries.count)"])
        }
        let limits = ServerLimits(
            maxConnections: maxHTTPConnections, maxRequestHeadBytes: maxRequestHeadBytes,
            readHeaderTimeout: .seconds(readHeaderTimeout), idleTimeout: .seconds(idleTimeout),
            writeTimeout: .seconds(writeTimeout))
        let server = MetricsServer(
            address: address,
            router: HTTPRouter(telemetryPath: telemetryPath, collectorNames: collectors.map(\.name),
                               scrape: { await scraper.scrape(only: $0).families }, snapshot: { LiveSnapshotJSON.encode(await snapshot()) },
                               probe: probe),
            limits: limits,
            security: security,
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server, successTerminationBehavior: .gracefullyShutdownGroup,
                             failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

extension ServeCommand {
    /// The collectors that read the kernel, as the flags ask: one per source
    /// over the exporter's namespace, or one over every watched namespace.
    func kernelCollectors(namespaces: NamespaceDiscovery.Options, reader: NamespaceReader, namespaceReaders: NamespaceReaders,
                          recentEvents: @escaping @Sendable () -> [PathManagerEvent]?, ledger: SubflowCloseListener?,
                          logger: Logger) -> [any Collector] {
        let connectionOptions = ConnectionFamilies.Options(perConnection: perConnection, maxConnections: maxConnections)
        if namespaces.enabled {
            // Every namespace, the exporter's own included (namespace="host"), through one collector.
            var enabled = Set<String>()
            if netstatCollector { enabled.insert("netstat") }
            if connectionsCollector { enabled.insert("connections") }
            if pathManagerCollector { enabled.insert("path_manager") }
            if sysctlCollector { enabled.insert("sysctl") }
            return [NamespacesCollector(options: namespaces, connectionOptions: connectionOptions, enabled: enabled,
                                        readers: namespaceReaders,
                                        ledger: .init(enabled: ledgerEnabled, maximumRate: ledgerMaxRate > 0 ? ledgerMaxRate : nil,
                                                      lifecycle: .init(maximumTracked: ledgerMaxTracked, keepClosed: closedKept)),
                                        logger: logger)]
        }
        var collectors: [any Collector] = []
        if netstatCollector { collectors.append(NetstatCollector(reader: reader, logger: logger)) }
        if connectionsCollector {
            collectors.append(ConnectionsCollector(
                reader: reader, options: connectionOptions, logger: logger, recentEvents: recentEvents, ledger: ledger,
                lifecycle: .init(maximumTracked: ledgerMaxTracked, keepClosed: closedKept)))
        }
        if pathManagerCollector { collectors.append(PathManagerCollector(reader: reader)) }
        if sysctlCollector { collectors.append(SysctlCollector(reader: reader)) }
        return collectors
    }

    /// Said at start rather than at the first scrape: a wrong --path.procfs,
    /// or no MPTCP in this kernel. Checked without reading (a file that blocks
    /// must not stall the start).
    func warnAboutUnreadableFiles(logger: Logger) {
        var checks: [(String, Bool, String)] = []
        if netstatCollector { checks += [(procfs + "/net/netstat", false, "netstat"), (procfs + "/net/snmp", false, "netstat")] }
        if sysctlCollector { checks.append((procfs + "/sys/net/mptcp", true, "sysctl")) }
        for (path, directory, collector) in checks {
            if let problem = ReadableCheck.problem(path, directory: directory) {
                logger.warning("cannot read what a collector needs; it will fail until this is fixed (check --path.procfs)",
                               metadata: ["collector": "\(collector)", "problem": "\(problem)"])
            }
        }
    }

    /// Subscribes to the kernel's TCP destroy notifications in this
    /// namespace; without the privilege, says so once and returns nil (the
    /// byte counters then stop at the last scrape that saw each subflow).
    static func ledgerListener(maximumRate: Double?, logger: Logger) -> SubflowCloseListener? {
        let listener = SubflowCloseListener(maximumRate: maximumRate)
        if case let .unavailable(reason) = listener.state {
            logger.warning("TCP destroy notifications unavailable: per-interface bytes count each subflow up to the last scrape that saw it",
                           metadata: ["reason": "\(reason)"])
            return nil
        }
        logger.info("receiving TCP destroy notifications (subflow ledger)")
        return listener
    }

    /// Starts the supervisor that decides whether to listen to path-manager
    /// events, logging each change of decision.
    static func eventsSupervisor(mode: EventsMode, procfs: String, recheck: Double, capacity: Int,
                                 logger: Logger, onDatagram: (@Sendable ([UInt8], [PathManagerEvent]) -> Void)? = nil) -> PathManagerEventsSupervisor {
        PathManagerEventsSupervisor(mode: mode.supervisorMode, procfs: procfs, recheck: recheck, capacity: capacity,
                                    onDatagram: onDatagram,
                                    onChange: { change in
            if change.listening {
                logger.info("listening to path-manager events", metadata: ["mode": "\(mode.rawValue)"])
            } else if mode == .off {
                logger.info("path-manager events not listened to (--collector.pm-events=off)")
            } else {
                let reason = change.reason ?? "not listened to"
                logger.warning("path-manager events \(reason.hasPrefix("not listened to") ? reason : "unavailable: " + reason)",
                               metadata: ["mode": "\(mode.rawValue)"])
            }
        })
    }
}

/// `--log.level` values, in node_exporter's spelling.
enum LogLevelOption: String, ExpressibleByArgument, CaseIterable {
    case debug, info, warn, error

    var level: Logger.Level {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .warn: return .warning
        case .error: return .error
        }
    }
}
