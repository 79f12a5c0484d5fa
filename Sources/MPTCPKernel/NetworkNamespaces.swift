import CMNL
import MPTCPWire
#if canImport(Glibc)
import Glibc
#endif

/// A network namespace to collect from.
public struct NetworkNamespace: Sendable, Hashable {
    /// The `namespace` label: the name under /run/netns, `host` for the
    /// exporter's own, else `netns-<inode>` (stable while the namespace lives).
    public var label: String
    /// What `setns(2)` opens: /run/netns/NAME or /proc/PID/ns/net.
    public var path: String
    public var inode: UInt64
    /// A process living in it (for the info series), when known.
    public var pid: Int32?
    public var command: String?
    /// Who that process belongs to, from its cgroup path: container runtime
    /// and id, Kubernetes pod and QoS class, or systemd unit.
    public var identity: CgroupIdentity?
}

extension Sequence where Element == NetworkNamespace {
    /// Label → who the namespace belongs to (``CgroupIdentity/summary``), for
    /// those whose process tells; nil when none does.
    public var owners: [String: String]? {
        let known = compactMap { namespace in namespace.identity?.summary.map { (namespace.label, $0) } }
        return known.isEmpty ? nil : Dictionary(known, uniquingKeysWith: { first, _ in first })
    }
}

/// Finds network namespaces, again at every scrape.
public enum NamespaceDiscovery {
    public struct Options: Sendable {
        public var named = false
        public var pids: [Int32] = []
        public var all = false
        public var host = true
        public init(named: Bool = false, pids: [Int32] = [], all: Bool = false, host: Bool = true) {
            self.named = named
            self.pids = pids
            self.all = all
            self.host = host
        }
        public var enabled: Bool { named || all || !pids.isEmpty }
    }

    static func inode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    static func command(_ pid: Int32) -> String? {
        (try? ProcFile.readText("/proc/\(pid)/comm")).map { String($0.prefix(32)) }
    }

    /// The cgroup identity of a process (`/proc/PID/cgroup`), nil when unreadable.
    public static func identity(_ pid: Int32, procfs: String = "/proc") -> CgroupIdentity? {
        (try? ProcFile.readText("\(procfs)/\(pid)/cgroup")).flatMap(CgroupIdentity.parse)
    }

    /// The namespaces to watch now, deduplicated by inode, sorted by label.
    public static func discover(_ options: Options) -> [NetworkNamespace] {
        var byInode: [UInt64: NetworkNamespace] = [:]
        let own = inode("/proc/self/ns/net")
        var names: [UInt64: String] = [:]
        for name in (try? Directory.list("/run/netns")) ?? [] {
            if let number = inode("/run/netns/" + name) { names[number] = name }
        }
        func add(path: String, inode number: UInt64, pid: Int32?) {
            guard byInode[number] == nil else { return }
            let label = number == own ? "host" : (names[number] ?? "netns-\(number)")
            byInode[number] = NetworkNamespace(label: label, path: number == own ? "/proc/self/ns/net" : path,
                                               inode: number, pid: pid, command: pid.flatMap(command),
                                               identity: pid.flatMap { identity($0) })
        }
        if options.host, let own { add(path: "/proc/self/ns/net", inode: own, pid: getpid()) }
        if options.named {
            for (number, name) in names { add(path: "/run/netns/" + name, inode: number, pid: nil) }
        }
        for pid in options.pids {
            if let number = inode("/proc/\(pid)/ns/net") { add(path: "/proc/\(pid)/ns/net", inode: number, pid: pid) }
        }
        if options.all {
            for entry in (try? Directory.list("/proc")) ?? [] {
                guard let pid = Int32(entry), let number = inode("/proc/\(pid)/ns/net") else { continue }
                if var known = byInode[number], known.pid == nil {
                    // A named namespace found first: now a process living in it is known too.
                    known.pid = pid
                    known.command = command(pid)
                    known.identity = identity(pid)
                    byInode[number] = known
                    continue
                }
                if let name = names[number], byInode[number] == nil {
                    add(path: "/run/netns/" + name, inode: number, pid: pid)
                } else {
                    add(path: "/proc/\(pid)/ns/net", inode: number, pid: pid)
                }
            }
        }
        return byInode.values.sorted { $0.label < $1.label }
    }
}

/// Runs work inside a network namespace on a thread of its own
/// (`pthread_create`, `setns(2)`, `pthread_join`): the serving threads never
/// leave the exporter's namespace.
public enum NamespaceExecutor {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    final class Job<T> {
        let path: String
        let body: () -> T
        var result: Result<T, Failure>?
        init(path: String, body: @escaping () -> T) {
            self.path = path
            self.body = body
        }
        func run() {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                result = .failure(Failure(description: "open \(path): \(ErrnoNames.name(errno))"))
                return
            }
            defer { close(fd) }
            guard cmnl_setns_net(fd) == 0 else {
                result = .failure(Failure(description: "setns \(path): \(ErrnoNames.name(errno))"))
                return
            }
            result = .success(body())
        }
    }

    public static func run<T>(in path: String, _ body: @escaping () -> T) -> Result<T, Failure> {
        let job = Job(path: path, body: body)
        let context = Unmanaged.passRetained(job as AnyObject).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let object = Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue()
            (object as? Runnable)?.runJob()
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<AnyObject>.fromOpaque(context).release()
            return .failure(Failure(description: "pthread_create: \(created)"))
        }
        pthread_join(thread, nil)
        return job.result ?? .failure(Failure(description: "namespace job did not run"))
    }
}

protocol Runnable: AnyObject { func runJob() }
extension NamespaceExecutor.Job: Runnable { func runJob() { run() } }
