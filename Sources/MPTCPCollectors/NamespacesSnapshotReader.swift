import MPTCPCore
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
    private let procfs: String
    private let events: PathManagerEventsSupervisor?
    /// One reader per namespace, kept while it exists: its sockets were opened inside it.
    private let readers = Mutex<[UInt64: LiveSnapshotReader]>([:])

    public init(options: NamespaceDiscovery.Options, procfs: String, events: PathManagerEventsSupervisor?) {
        self.options = options
        self.procfs = procfs
        self.events = events
    }

    public func read() -> LiveSnapshot {
        let namespaces = NamespaceDiscovery.discover(options)
        let current: [(NetworkNamespace, LiveSnapshotReader)] = readers.withLock { readers in
            let live = Set(namespaces.map(\.inode))
            readers = readers.filter { live.contains($0.key) }
            return namespaces.map { namespace in
                let own = namespace.label == "host"
                let reader = readers[namespace.inode]
                    ?? LiveSnapshotReader(procfs: own ? procfs : "/proc", netDirectory: "/proc/thread-self/net", events: own ? events : nil)
                readers[namespace.inode] = reader
                return (namespace, reader)
            }
        }
        var parts: [(namespace: String, snapshot: LiveSnapshot)] = []
        for (namespace, reader) in current {
            switch NamespaceExecutor.run(in: namespace.path, { reader.read() }) {
            case let .success(snapshot):
                parts.append((namespace.label, snapshot))
            case let .failure(failure):
                // Gone between discovery and reading, or not enterable: say so, keep the rest.
                parts.append((namespace.label, LiveSnapshot(time: PathManagerEventListener.now(), hostname: "", kernel: "",
                                                            errors: ["\(failure)"])))
            }
        }
        guard parts.count > 1 else { return parts.first?.snapshot ?? LiveSnapshot(time: PathManagerEventListener.now(), hostname: "", kernel: "") }
        // The merged header (host name, kernel, path manager) is the exporter's own namespace's.
        if let host = parts.firstIndex(where: { $0.namespace == "host" }), host != 0 { parts.swapAt(0, host) }
        return LiveSnapshot.merge(parts)
    }
}
