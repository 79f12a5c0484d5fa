import MPTCPWire
import MPTCPModel
import MPTCPKernel
import Synchronization

/// `/api/v1/snapshot` of an exporter that watches several network namespaces
/// (`--namespaces.*`): every watched namespace read on a thread that entered
/// it, merged into one ``LiveSnapshot`` (connections tagged with their
/// namespace, counters summed, `namespaces` listing them), as `mptcp-top
/// --netns all` shows locally. Path-manager events are the exporter's own
/// namespace's, as on `/metrics`.
public final class NamespacesSnapshotReader: Sendable {
    private let options: NamespaceDiscovery.Options
    private let events: PathManagerEventsSupervisor?
    private let timeout: Duration
    private let namespaceReaders: NamespaceReaders
    /// Per namespace, kept while it exists: the runner that reads it (through
    /// the namespace's shared reader, on a thread that entered it) within the deadline.
    private let runners = Mutex<[UInt64: BlockingRunner<LiveSnapshot>]>([:])
    private let ledger: (@Sendable (NetworkNamespace) -> ConnectionsCollector?)?

    /// - Parameters:
    ///   - readers: the per-namespace readers, shared with the namespaces collector.
    ///   - ledger: each namespace's connections collector, when it keeps the
    ///     subflow ledger (the namespaces collector's): the connections that
    ///     ended are listed.
    public init(options: NamespaceDiscovery.Options, events: PathManagerEventsSupervisor?, timeout: Duration = .seconds(10),
                readers: NamespaceReaders = NamespaceReaders(), ledger: (@Sendable (NetworkNamespace) -> ConnectionsCollector?)? = nil) {
        self.ledger = ledger
        self.options = options
        self.events = events
        self.timeout = timeout
        self.namespaceReaders = readers
    }

    public func read() async -> LiveSnapshot {
        let namespaces = NamespaceDiscovery.discover(options)
        namespaceReaders.keep(namespaces)
        let current: [(NetworkNamespace, BlockingRunner<LiveSnapshot>)] = runners.withLock { runners in
            let live = Set(namespaces.map(\.inode))
            runners = runners.filter { live.contains($0.key) }
            return namespaces.map { namespace in
                if let existing = runners[namespace.inode] { return (namespace, existing) }
                let own = namespace.label == "host"
                let reader = LiveSnapshotReader(reader: namespaceReaders.reader(for: namespace), events: own ? events : nil, timeout: timeout,
                                                ledger: ledger?(namespace))
                let path = namespace.path
                // The whole namespace is read on a thread that entered it, within the deadline.
                let runner = BlockingRunner<LiveSnapshot>(name: "snapshot.netns-\(namespace.inode)", timeout: timeout) {
                    switch NamespaceExecutor.run(in: path, { reader.readNow() }) {
                    case let .success(snapshot): return snapshot
                    case let .failure(failure): throw failure
                    }
                }
                runners[namespace.inode] = runner
                return (namespace, runner)
            }
        }
        var parts: [(namespace: String, snapshot: LiveSnapshot)] = []
        await withTaskGroup(of: (Int, LiveSnapshot).self) { group in
            for (index, (_, runner)) in current.enumerated() {
                group.addTask {
                    switch await runner.run() {
                    case let .success(snapshot): return (index, snapshot)
                    case let .failure(failure):
                        // Gone between discovery and reading, not enterable, or stuck: say so, keep the rest.
                        return (index, LiveSnapshot(time: PathManagerEventListener.now(), hostname: "", kernel: "", errors: ["\(failure)"]))
                    }
                }
            }
            var results: [Int: LiveSnapshot] = [:]
            for await (index, snapshot) in group { results[index] = snapshot }
            parts = current.indices.map { (current[$0].0.label, results[$0] ?? LiveSnapshot(time: 0, hostname: "", kernel: "")) }
        }
        guard parts.count > 1 else { return parts.first?.snapshot ?? LiveSnapshot(time: PathManagerEventListener.now(), hostname: "", kernel: "") }
        // The merged header (host name, kernel, path manager) is the exporter's own namespace's.
        if let host = parts.firstIndex(where: { $0.namespace == "host" }), host != 0 { parts.swapAt(0, host) }
        var merged = LiveSnapshot.merge(parts)
        merged.namespaceOwners = current.map(\.0).owners
        return merged
    }
}
