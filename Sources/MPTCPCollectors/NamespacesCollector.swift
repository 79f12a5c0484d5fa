import Logging
import MPTCPModel
import MPTCPKernel
import Synchronization

/// Collector `namespaces`: the counters, connections, path manager and
/// sysctls of every watched network namespace, each series labelled
/// `namespace`. Namespaces are discovered again at each scrape; each is
/// read on a thread of its own that enters it with `setns(2)`, so the
/// serving threads stay in the exporter's namespace.
public final class NamespacesCollector: Collector {
    public let name = "namespaces"
    private let options: NamespaceDiscovery.Options
    private let connectionOptions: ConnectionFamilies.Options
    private let enabled: Set<String>
    private let logger: Logger?
    private let readers: NamespaceReaders

    /// The collectors of one namespace, kept while it exists, over the
    /// namespace's reader (whose sockets were opened inside it).
    final class Bundle: Sendable {
        let collectors: [any Collector]
        @Sendable static func openListener(maximumRate: Double?) -> SubflowCloseListener? {
            let listener = SubflowCloseListener(maximumRate: maximumRate)
            return listener.isListening ? listener : nil
        }

        init(reader: NamespaceReader, connectionOptions: ConnectionFamilies.Options, ledger: LedgerOptions, enabled: Set<String>, logger: Logger?) {
            // The ledger's listener is opened by the first collection, on the thread that entered the namespace.
            let rate = ledger.maximumRate
            var open: (@Sendable () -> SubflowCloseListener?)?
            if ledger.enabled {
                open = { @Sendable () -> SubflowCloseListener? in Self.openListener(maximumRate: rate) }
            }
            let all: [any Collector] = [
                NetstatCollector(reader: reader, logger: logger),
                ConnectionsCollector(reader: reader, options: connectionOptions, logger: logger, openLedger: open,
                                     lifecycle: ledger.lifecycle),
                PathManagerCollector(reader: reader),
                SysctlCollector(reader: reader),
            ]
            collectors = all.filter { enabled.contains($0.name) }
        }
    }
    private let bundles = Mutex<[UInt64: Bundle]>([:])

    /// The subflow ledger in each watched namespace (destroy notifications,
    /// received in the namespace; no path-manager events there).
    public struct LedgerOptions: Sendable {
        public var enabled: Bool
        /// Notifications per second above which a namespace's listener pauses (nil: never).
        public var maximumRate: Double?
        public var lifecycle: ConnectionLifecycle.Options
        public init(enabled: Bool = true, maximumRate: Double? = SubflowCloseListener.defaultMaximumRate, lifecycle: ConnectionLifecycle.Options = .init()) {
            self.enabled = enabled
            self.maximumRate = maximumRate
            self.lifecycle = lifecycle
        }
    }
    private let ledger: LedgerOptions

    /// - Parameters:
    ///   - readers: the per-namespace readers, shared with `/api/v1/snapshot`.
    ///   - enabled: names of the per-namespace collectors to run
    ///     (`netstat`, `connections`, `path_manager`, `sysctl`).
    public init(options: NamespaceDiscovery.Options, connectionOptions: ConnectionFamilies.Options,
                enabled: Set<String> = ["netstat", "connections", "path_manager", "sysctl"], readers: NamespaceReaders = NamespaceReaders(),
                ledger: LedgerOptions = LedgerOptions(), logger: Logger?) {
        self.options = options
        self.ledger = ledger
        self.connectionOptions = connectionOptions
        self.enabled = enabled
        self.readers = readers
        self.logger = logger
    }

    /// The connections collector of one watched namespace (made if this is
    /// the first time it is asked for): `/api/v1/snapshot` reads connections
    /// through it, so both views advance the same ledger.
    public func connectionsCollector(for namespace: NetworkNamespace) -> ConnectionsCollector? {
        let bundle = bundles.withLock { bundles in
            if let existing = bundles[namespace.inode] { return existing }
            let made = Bundle(reader: readers.reader(for: namespace), connectionOptions: connectionOptions, ledger: ledger,
                              enabled: enabled, logger: logger)
            bundles[namespace.inode] = made
            return made
        }
        return bundle.collectors.lazy.compactMap { $0 as? ConnectionsCollector }.first
    }

    public func collect() throws -> [MetricFamily] {
        let namespaces = NamespaceDiscovery.discover(options)
        readers.keep(namespaces)
        let current: [(NetworkNamespace, Bundle)] = bundles.withLock { bundles in
            let live = Set(namespaces.map(\.inode))
            bundles = bundles.filter { live.contains($0.key) }
            return namespaces.map { namespace in
                let bundle = bundles[namespace.inode]
                    ?? Bundle(reader: readers.reader(for: namespace), connectionOptions: connectionOptions, ledger: ledger,
                              enabled: enabled, logger: logger)
                bundles[namespace.inode] = bundle
                return (namespace, bundle)
            }
        }
        var merged: [String: MetricFamily] = [:]
        var order: [String] = []
        var success = MetricFamily(name: "mptcp_exporter_namespace_collector_success",
            help: "Whether a collector succeeded in a watched network namespace (1) or failed (0).", type: .gauge)
        var info = MetricFamily(name: "mptcp_namespace_info",
            help: "One series per watched network namespace: its label (namespace), inode, a process living in it (pid, command) when known, and who that process belongs to by its cgroup path: container_runtime (containerd, cri-o, docker, podman) and container_id, Kubernetes pod_uid and qos_class, or systemd_unit. Value always 1.",
            type: .gauge)
        for (namespace, bundle) in current {
            info.samples.append(Sample(labels: [
                ("namespace", namespace.label), ("inode", String(namespace.inode)),
                ("pid", namespace.pid.map(String.init) ?? ""), ("command", namespace.command ?? ""),
                ("container_runtime", namespace.identity?.runtime ?? ""), ("container_id", namespace.identity?.containerID ?? ""),
                ("pod_uid", namespace.identity?.podUID ?? ""), ("qos_class", namespace.identity?.qosClass ?? ""),
                ("systemd_unit", namespace.identity?.systemdUnit ?? ""),
            ], value: .unsigned(1)))
            let outcome = NamespaceExecutor.run(in: namespace.path) { () -> [(String, Result<[MetricFamily], CollectorError>)] in
                bundle.collectors.map { collector in
                    do { return (collector.name, .success(try collector.collect())) } catch {
                        return (collector.name, .failure(error as? CollectorError ?? CollectorError("\(error)")))
                    }
                }
            }
            let results: [(String, Result<[MetricFamily], CollectorError>)]
            switch outcome {
            case let .success(value): results = value
            case let .failure(error):
                // The namespace vanished between discovery and entering it, or cannot be entered.
                logger?.debug("namespace not collected", metadata: ["namespace": "\(namespace.label)", "error": "\(error)"])
                results = bundle.collectors.map { ($0.name, .failure(CollectorError(error.description))) }
            }
            for (collector, result) in results {
                success.samples.append(Sample(labels: [("namespace", namespace.label), ("collector", collector)],
                                              value: .unsigned(result.isSuccess ? 1 : 0)))
                guard case let .success(families) = result else { continue }
                for family in families {
                    var labelled = family
                    labelled.samples = family.samples.map { sample in
                        Sample(labels: [("namespace", namespace.label)] + sample.labels, value: sample.value, suffix: sample.suffix)
                    }
                    if merged[family.name] == nil {
                        order.append(family.name)
                        merged[family.name] = MetricFamily(name: family.name, help: family.help, type: family.type)
                    }
                    merged[family.name]?.samples += labelled.samples
                }
            }
        }
        return order.compactMap { merged[$0] } + [success, info,
            MetricFamily(name: "mptcp_exporter_namespaces", help: "Network namespaces watched in this scrape.",
                         type: .gauge, value: .unsigned(UInt64(current.count)))]
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { return true } else { return false } }
}

/// One ``NamespaceReader`` per watched network namespace (by inode), kept
/// while the namespace exists: `/metrics` and `/api/v1/snapshot` read each
/// namespace through the same reader, so through the same sockets.
public final class NamespaceReaders: Sendable {
    private let readers = Mutex<[UInt64: NamespaceReader]>([:])

    public init() {}

    /// The reader of `namespace`, made on first use (its sockets open inside it, on first read).
    public func reader(for namespace: NetworkNamespace) -> NamespaceReader {
        readers.withLock { readers in
            if let existing = readers[namespace.inode] { return existing }
            let reader = NamespaceReader.insideNamespace()
            readers[namespace.inode] = reader
            return reader
        }
    }

    /// Forgets the readers of namespaces that are gone (closing their sockets).
    public func keep(_ namespaces: [NetworkNamespace]) {
        let live = Set(namespaces.map(\.inode))
        readers.withLock { $0 = $0.filter { live.contains($0.key) } }
    }
}
