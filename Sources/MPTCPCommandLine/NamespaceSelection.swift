import ArgumentParser
import MPTCPKernel

/// `--netns` of report, snapshot and mptcp-top: a name under /run/netns, a
/// process id, `host`, or `all` (every namespace of the running processes).
public enum NamespaceSelection {
    public static func resolve(_ text: String) throws -> [NetworkNamespace] {
        if text == "all" { return NamespaceDiscovery.discover(.init(named: true, all: true, host: true)) }
        if text == "host" { return NamespaceDiscovery.discover(.init()) }
        let options: NamespaceDiscovery.Options = Int32(text).map { .init(pids: [$0], host: false) } ?? .init(named: true, host: false)
        let found = NamespaceDiscovery.discover(options).filter { Int32(text) != nil || $0.label == text }
        guard let namespace = found.first else {
            throw ValidationError("--netns \(text): no such network namespace (a name under /run/netns, a process id, host or all)")
        }
        return [namespace]
    }

    /// Runs `body` inside each namespace (on a thread that entered it) and
    /// returns the results in order, labelled, with who the namespace belongs
    /// to by the cgroup of a process in it (a container, a pod, a unit) when known.
    public static func each<T>(_ namespaces: [NetworkNamespace], _ body: @escaping () -> T) throws -> [(namespace: String, owner: String?, value: T)] {
        try namespaces.map { namespace in
            switch NamespaceExecutor.run(in: namespace.path, body) {
            case let .success(value): return (namespace.label, namespace.identity?.summary, value)
            case let .failure(error): throw ValidationError("--netns \(namespace.label): \(error)")
            }
        }
    }
}
