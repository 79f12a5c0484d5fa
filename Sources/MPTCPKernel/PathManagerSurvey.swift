import MPTCPWire
#if canImport(Glibc)
import Glibc
#endif

/// Which path manager every network namespace of the host uses.
///
/// Why it exists: the kernel takes "someone listens to the `mptcp_pm_events`
/// group" to mean "a userspace path-manager daemon runs", and that check
/// (`netlink_has_listeners()`) is host-wide. One event listener anywhere makes
/// every namespace whose path manager is `userspace` accept MP_JOINs, ADD_ADDR
/// echoes and MP_PRIO it refuses when nobody listens. A monitor may only listen
/// while no namespace on the host uses the userspace path manager.
///
/// Namespaces are found by inode from three places: the exporter's own, every
/// process's `/proc/PID/ns/net`, and every `nsfs` bind mount of this mount
/// namespace (`/run/netns/*` of `ip netns add`, container runtimes' netns
/// files), which holds namespaces no process is in. A namespace kept alive only
/// by an open file descriptor is not found. Each other namespace is read on a
/// thread that entered it (`setns(2)`, which needs CAP_SYS_ADMIN); one that
/// cannot be entered or read is reported as such, never guessed.
public enum PathManagerSurvey {
    public struct Namespace: Sendable, Equatable {
        /// `host`, the name under /run/netns, or `netns-<inode>`.
        public var label: String
        public var inode: UInt64
        /// `kernel` or `userspace`; nil when it could not be read (see ``error``).
        public var pathManager: String?
        public var error: String?
    }

    public struct Result: Sendable, Equatable {
        public var namespaces: [Namespace]
        public var userspace: [Namespace] { namespaces.filter { $0.pathManager == "userspace" } }
        public var unreadable: [Namespace] { namespaces.filter { $0.pathManager == nil } }
        /// Listening to events cannot change any namespace's behaviour.
        public var safeToListen: Bool { userspace.isEmpty && unreadable.isEmpty }

        /// Why listening is not safe, for the log, the metric and the report; nil when it is.
        public var reasonNotToListen: String? {
            if let first = userspace.first {
                let names = userspace.prefix(5).map(\.label).joined(separator: ", ") + (userspace.count > 5 ? " and \(userspace.count - 5) more" : "")
                return "not listened to: network namespace \(names) uses the userspace path manager, and any event listener on the host"
                    + " makes the kernel accept subflows there as if a path-manager daemon ran" + (first.label == "host" ? "" : " (the check is host-wide)")
            }
            if let first = unreadable.first {
                return "not listened to: cannot tell which path manager is used in network namespace \(first.label) (\(first.error ?? "unreadable"))"
                    + (unreadable.count > 1 ? " nor in \(unreadable.count - 1) more" : "")
                    + "; a listener would change the behaviour of any that uses the userspace path manager"
            }
            return nil
        }
    }

    /// Surveys the host. The exporter's own namespace is read under `procfs`
    /// (so `--path.procfs` applies), every other one under its own /proc/sys.
    public static func run(procfs: String = "/proc") -> Result {
        // The calling thread's namespace (it may have entered another one than the process's).
        let own = inode(of: "/proc/thread-self/ns/net")
        var found: [UInt64: (path: String, label: String)] = [:]
        var names: [UInt64: String] = [:]
        for name in (try? Directory.list("/run/netns")) ?? [] {
            if let number = inode(of: "/run/netns/" + name) { names[number] = name }
        }
        for mount in nsfsMounts() where found[mount.inode] == nil {
            found[mount.inode] = (mount.path, names[mount.inode] ?? "netns-\(mount.inode)")
        }
        // A process whose ns/net cannot be seen (no CAP_SYS_PTRACE over it, or an LSM: this
        // sandbox's own init hides it even from root) is placed by the procfs inode of its
        // net/netstat, which differs per namespace and needs no ptrace access. One in a
        // namespace found nowhere else is never a reason to call the host safe.
        var hidden: [Int32] = []
        var netstatInodes = Set<UInt64>()
        for entry in (try? Directory.list("/proc")) ?? [] {
            guard let pid = Int32(entry) else { continue }
            var info = stat()
            guard stat("/proc/\(pid)/ns/net", &info) == 0 else {
                if errno == EACCES || errno == EPERM { hidden.append(pid) }    // ENOENT: the process ended
                continue
            }
            let number = UInt64(info.st_ino)
            if found[number] == nil { found[number] = ("/proc/\(pid)/ns/net", names[number] ?? "netns-\(number)") }
            if let net = inode(of: "/proc/\(pid)/net/netstat") { netstatInodes.insert(net) }
        }
        var namespaces: [Namespace] = []
        if let own {
            found[own] = nil
            let read = pathManager(sysctlDirectory: procfs + "/sys/net/mptcp")
            let label = own == inode(of: "/proc/self/ns/net") ? "host" : names[own] ?? "netns-\(own)"
            namespaces.append(Namespace(label: label, inode: own, pathManager: read.pathManager, error: read.error))
        } else {
            namespaces.append(Namespace(label: "host", inode: 0, pathManager: nil, error: "stat /proc/thread-self/ns/net: \(ErrnoNames.name(errno))"))
        }
        if let net = inode(of: "/proc/thread-self/net/netstat") { netstatInodes.insert(net) }
        for (number, where_) in found.sorted(by: { $0.key < $1.key }) {
            switch NamespaceExecutor.run(in: where_.path, { (pathManager(sysctlDirectory: "/proc/sys/net/mptcp"), inode(of: "/proc/thread-self/net/netstat")) }) {
            case let .success((read, net)):
                if let net { netstatInodes.insert(net) }
                namespaces.append(Namespace(label: where_.label, inode: number, pathManager: read.pathManager, error: read.error))
            case let .failure(failure):
                // The namespace may have gone between listing and entering it.
                if inode(of: where_.path) != number { continue }
                namespaces.append(Namespace(label: where_.label, inode: number, pathManager: nil, error: failure.description))
            }
        }
        let unplaced = hidden.filter { pid in inode(of: "/proc/\(pid)/net/netstat").map { !netstatInodes.contains($0) } ?? false }
        if let first = unplaced.first {
            namespaces.append(Namespace(label: "of process \(first)" + (unplaced.count > 1 ? " (and of \(unplaced.count - 1) more processes)" : ""),
                                        inode: 0, pathManager: nil,
                                        error: "its ns/net cannot be opened (EACCES) and it is in no namespace found otherwise"))
        }
        return Result(namespaces: namespaces)
    }

    /// `path_manager` (6.15+), else `pm_type` (5.19+: 0 kernel, 1 userspace);
    /// neither, or no MPTCP at all: only the in-kernel path manager exists.
    static func pathManager(sysctlDirectory directory: String) -> (pathManager: String?, error: String?) {
        do {
            return (try ProcFile.readText(directory + "/path_manager"), nil)
        } catch {
            if error.code != ENOENT { return (nil, "\(error)") }
        }
        do {
            let type = try ProcFile.readText(directory + "/pm_type")
            return (type == "0" ? "kernel" : type == "1" ? "userspace" : "pm_type \(type)", nil)
        } catch {
            if error.code != ENOENT { return (nil, "\(error)") }
        }
        return ("kernel", nil)
    }

    static func inode(of path: String) -> UInt64? { NamespaceDiscovery.inode(path) }

    /// Network-namespace bind mounts (`nsfs`, root `net:[INODE]`) of this mount namespace.
    static func nsfsMounts() -> [(path: String, inode: UInt64)] {
        guard let text = try? ProcFile.readText("/proc/self/mountinfo") else { return [] }
        return MountInfo.networkNamespaceMounts(text)
    }
}

/// `/proc/PID/mountinfo` lines (proc(5)): ID PARENT MAJ:MIN ROOT MOUNTPOINT
/// OPTIONS [OPTIONAL…] - FSTYPE SOURCE SUPEROPTIONS. Pure, for the survey.
public enum MountInfo {
    public static func networkNamespaceMounts(_ text: String) -> [(path: String, inode: UInt64)] {
        var mounts: [(path: String, inode: UInt64)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 7, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, fields[dash + 1] == "nsfs" else { continue }
            let root = fields[3]
            guard root.hasPrefix("net:["), root.hasSuffix("]"), let number = UInt64(root.dropFirst(5).dropLast()) else { continue }
            mounts.append((unescape(fields[4]), number))
        }
        return mounts
    }

    /// Mount points escape space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 4 <= utf8.count,
               let value = UInt8(String(decoding: utf8[(index + 1)..<(index + 4)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
