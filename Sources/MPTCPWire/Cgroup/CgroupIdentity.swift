/// Who a process belongs to, told by its cgroup path alone (`/proc/PID/cgroup`,
/// no call to any container runtime): the runtime and container id
/// (containerd, CRI-O, Docker, Podman), the Kubernetes pod UID and QoS class
/// when the path says so, or the systemd unit.
///
/// Paths recognised (systemd and cgroupfs drivers):
/// `…/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope`,
/// `…/crio-<id>.scope`, `…/docker-<id>.scope`, `…/libpod-<id>.scope`,
/// `/kubepods/besteffort/pod<uid>/<id>`, `/docker/<id>`, `/libpod_parent/libpod-<id>`,
/// `/k8s.io/<id>` (containerd's namespace), `/system.slice/NAME.service`.
public struct CgroupIdentity: Sendable, Hashable {
    /// `containerd`, `cri-o`, `docker`, `podman`; nil when the path does not say.
    public var runtime: String?
    public var containerID: String?
    public var podUID: String?
    /// `guaranteed`, `burstable` or `besteffort` (Kubernetes pods only).
    public var qosClass: String?
    /// The systemd unit (`nginx.service`, `session-3.scope`), when not a container.
    public var systemdUnit: String?
    /// The cgroup path this was read from.
    public var path: String

    public init(path: String, runtime: String? = nil, containerID: String? = nil, podUID: String? = nil,
                qosClass: String? = nil, systemdUnit: String? = nil) {
        self.path = path
        self.runtime = runtime
        self.containerID = containerID
        self.podUID = podUID
        self.qosClass = qosClass
        self.systemdUnit = systemdUnit
    }

    /// For a person: `docker container 4c1ea3f0a5b9`, `containerd container
    /// 4c1ea3f0a5b9, pod 8dcd3b2e-… (burstable)`, `nginx.service`; nil when the
    /// path tells nothing.
    public var summary: String? {
        var parts: [String] = []
        if let containerID { parts.append("\(runtime.map { $0 + " " } ?? "")container \(containerID.prefix(12))") }
        if let podUID { parts.append("pod \(podUID)" + (qosClass.map { " (\($0))" } ?? "")) }
        if parts.isEmpty, let systemdUnit { parts.append(systemdUnit) }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// From the text of `/proc/PID/cgroup`: the unified line (`0::PATH`),
    /// else the `name=systemd` line, else the first other line, whichever
    /// first is not the root (on a hybrid host the unified hierarchy can be
    /// `/` while a v1 one holds the container). nil for text with no path.
    public static func parse(_ text: String) -> CgroupIdentity? {
        var unified: String?, systemd: String?, other: String?
        for line in text.split(separator: "\n").prefix(64) {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].hasPrefix("/") else { continue }
            let path = String(fields[2].prefix(4096))
            if fields[0] == "0", fields[1].isEmpty { unified = path }
            else if fields[1] == "name=systemd" { systemd = path }
            else if other == nil || other == "/" { other = path }
        }
        let candidates = [unified, systemd, other].compactMap { $0 }
        return (candidates.first { $0 != "/" } ?? candidates.first).map(identify)
    }

    /// Reads a cgroup path.
    public static func identify(path: String) -> CgroupIdentity {
        var identity = CgroupIdentity(path: path)
        var kubernetes = false
        var previous = ""
        for component in path.split(separator: "/").map(String.init) {
            if component == "kubepods" || component == "kubepods.slice" {
                kubernetes = true
            } else if kubernetes, let qos = qos(component) {
                identity.qosClass = qos
            } else if kubernetes, let uid = podUID(component) {
                identity.podUID = uid
            } else if let (runtime, id) = scope(component) {
                identity.runtime = runtime
                identity.containerID = id
            } else if isContainerID(component) {
                identity.containerID = component
                switch previous {
                case "docker": identity.runtime = "docker"
                case "k8s.io", "moby": identity.runtime = previous == "moby" ? "docker" : "containerd"
                case "crio": identity.runtime = "cri-o"
                default: break
                }
            } else if component.hasSuffix(".service") || (component.hasSuffix(".scope") && identity.containerID == nil) {
                identity.systemdUnit = component
            }
            previous = component
        }
        if kubernetes, identity.podUID != nil, identity.qosClass == nil { identity.qosClass = "guaranteed" }
        if identity.containerID != nil { identity.systemdUnit = nil }
        return identity
    }

    /// `kubepods-burstable.slice` or `burstable` (cgroupfs).
    static func qos(_ component: String) -> String? {
        for qos in ["burstable", "besteffort"] where component == qos || component == "kubepods-\(qos).slice" { return qos }
        return nil
    }

    /// `kubepods-burstable-pod<uid>.slice` (underscores for dashes) or `pod<uid>`.
    static func podUID(_ component: String) -> String? {
        var text = Substring(component)
        if text.hasSuffix(".slice") {
            guard let range = text.firstRange(of: "-pod") else { return nil }
            text = text[range.upperBound...].dropLast(".slice".count)
        } else {
            guard text.hasPrefix("pod") else { return nil }
            text = text.dropFirst(3)
        }
        let uid = text.replacingOccurrences(of: "_", with: "-")
        guard uid.count >= 32, uid.count <= 40, uid.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { return nil }
        return uid
    }

    /// `cri-containerd-<id>.scope`, `crio-<id>.scope`, `docker-<id>.scope`,
    /// `libpod-<id>.scope` (also without `.scope`, as cgroupfs names them).
    static func scope(_ component: String) -> (runtime: String, id: String)? {
        let name = component.hasSuffix(".scope") ? String(component.dropLast(".scope".count)) : component
        for (prefix, runtime) in [("cri-containerd-", "containerd"), ("crio-conmon-", "cri-o"), ("crio-", "cri-o"),
                                  ("docker-", "docker"), ("libpod-conmon-", "podman"), ("libpod-", "podman"),
                                  ("nerdctl-", "containerd")] where name.hasPrefix(prefix) {
            let id = String(name.dropFirst(prefix.count))
            return isContainerID(id) ? (runtime, id) : nil
        }
        return nil
    }

    /// 64 hexadecimal digits (the ids every runtime here uses).
    static func isContainerID(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

private extension Substring {
    func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
