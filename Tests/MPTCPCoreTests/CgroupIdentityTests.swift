import MPTCPWire
import Testing

/// Container identity from `/proc/PID/cgroup` as each runtime writes it
/// (systemd and cgroupfs drivers, cgroup v1, v2 and hybrid hosts).
@Suite("Container identity from cgroup paths")
struct CgroupIdentityTests {
    static let id = "4c1ea3f0a5b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3"
    static let uid = "8dcd3b2e-7a49-4c5e-9f1c-2b7a3e6d1f40"
    static let uidUnderscores = "8dcd3b2e_7a49_4c5e_9f1c_2b7a3e6d1f40"

    static let cases: [(file: String, runtime: String?, container: String?, pod: String?, qos: String?, unit: String?)] = [
        // Kubernetes, systemd driver, containerd: cgroup v2.
        ("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(uidUnderscores).slice/cri-containerd-\(id).scope\n",
         "containerd", id, uid, "burstable", nil),
        // Guaranteed pods have no QoS level in the path; CRI-O.
        ("0::/kubepods.slice/kubepods-pod\(uidUnderscores).slice/crio-\(id).scope\n", "cri-o", id, uid, "guaranteed", nil),
        // BestEffort, cgroupfs driver, cgroup v1: the runtime is not in the path.
        ("12:memory:/kubepods/besteffort/pod\(uid)/\(id)\n11:cpu,cpuacct:/kubepods/besteffort/pod\(uid)/\(id)\n1:name=systemd:/kubepods/besteffort/pod\(uid)/\(id)\n",
         nil, id, uid, "besteffort", nil),
        // Docker, systemd driver (v2) and cgroupfs driver (v1).
        ("0::/system.slice/docker-\(id).scope\n", "docker", id, nil, nil, nil),
        ("9:name=systemd:/docker/\(id)\n4:memory:/docker/\(id)\n0::/\n", "docker", id, nil, nil, nil),
        // Podman: rootful and rootless, and its conmon.
        ("0::/machine.slice/libpod-\(id).scope/container\n", "podman", id, nil, nil, nil),
        ("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-\(id).scope\n", "podman", id, nil, nil, nil),
        ("0::/machine.slice/libpod-conmon-\(id).scope\n", "podman", id, nil, nil, nil),
        // containerd without Kubernetes: its k8s.io namespace, and nerdctl.
        ("0::/k8s.io/\(id)\n", "containerd", id, nil, nil, nil),
        ("0::/system.slice/nerdctl-\(id).scope\n", "containerd", id, nil, nil, nil),
        // A systemd service and a login session: no container.
        ("0::/system.slice/nginx.service\n", nil, nil, nil, nil, "nginx.service"),
        ("0::/user.slice/user-1000.slice/session-3.scope\n", nil, nil, nil, nil, "session-3.scope"),
        // A hybrid host (this machine's shape): the unified line is the root, a v1 line is not.
        ("9:name=systemd:/\n4:memory:/process_api/5e9bdebaa5e83f5efba0e1e254545486\n0::/\n", nil, nil, nil, nil, nil),
    ]

    @Test("each runtime's path gives its runtime, container, pod, QoS class or unit", arguments: 0..<13)
    func identities(index: Int) throws {
        let expected = Self.cases[index]
        let identity = try #require(CgroupIdentity.parse(expected.file))
        #expect(identity.runtime == expected.runtime, "\(identity)")
        #expect(identity.containerID == expected.container, "\(identity)")
        #expect(identity.podUID == expected.pod, "\(identity)")
        #expect(identity.qosClass == expected.qos, "\(identity)")
        #expect(identity.systemdUnit == expected.unit, "\(identity)")
    }

    @Test("look-alikes are not containers: short ids, uppercase, a pod slice outside kubepods")
    func lookAlikes() {
        #expect(CgroupIdentity.identify(path: "/system.slice/docker-abc123.scope").containerID == nil)
        #expect(CgroupIdentity.identify(path: "/docker/\(Self.id.uppercased())").containerID == nil)
        #expect(CgroupIdentity.identify(path: "/pod\(Self.uid)/x").podUID == nil)
        #expect(CgroupIdentity.parse("") == nil)
        #expect(CgroupIdentity.parse("garbage\nmore:garbage\n") == nil)
    }
}
