import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// Container identity from a real cgroup: the test makes a cgroup of its
    /// own named as Docker names a container's, moves a process of its own
    /// (living in a network namespace of its own) into it, and the exporter
    /// watching that namespace labels it with the runtime and the id.
    @Suite("Container identity end to end", .serialized, .enabled(if: Requirements.canBuildNamespaces,
                                                                 "needs root, iproute2 and net.mptcp.enabled=1 for network namespaces"))
    struct ContainerIdentityEndToEndTests {
        /// The cgroup v2 hierarchy: `/sys/fs/cgroup/unified` on a hybrid host, `/sys/fs/cgroup` on a pure v2 one.
        static var unifiedHierarchy: String? {
            ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"].first { FileManager.default.fileExists(atPath: $0 + "/cgroup.controllers") }
        }

        @Test("a process in a cgroup named docker-<id>.scope: mptcp_namespace_info says docker and the id")
        func realCgroup() throws {
            let root = try #require(Self.unifiedHierarchy, "no cgroup v2 hierarchy is mounted")
            let tag = "mpx-cg-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
            let id = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
            let parent = "\(root)/\(tag)"
            let scope = "\(parent)/docker-\(id).scope"
            try Command.check(["ip", "netns", "add", tag])
            defer { _ = try? Command.run(["ip", "netns", "del", tag]) }
            try FileManager.default.createDirectory(atPath: scope, withIntermediateDirectories: true)
            let sleeper = try BackgroundProcess(["ip", "netns", "exec", tag, "sleep", "120"])
            defer {
                sleeper.stop()
                for _ in 0..<50 where (try? String(contentsOfFile: scope + "/cgroup.procs", encoding: .utf8))?.isEmpty == false { usleep(100_000) }
                try? FileManager.default.removeItem(atPath: scope)
                try? FileManager.default.removeItem(atPath: parent)
            }
            // `ip netns exec` replaces itself with sleep: the same pid, once it has entered the namespace.
            var entered = false
            for _ in 0..<50 {
                if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(sleeper.pid)/ns/net"),
                   let ours = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net"), link != ours {
                    entered = true
                    break
                }
                usleep(100_000)
            }
            try #require(entered, "the process did not enter its namespace")
            try "\(sleeper.pid)\n".write(toFile: scope + "/cgroup.procs", atomically: false, encoding: .utf8)
            let cgroup = try String(contentsOfFile: "/proc/\(sleeper.pid)/cgroup", encoding: .utf8)
            #expect(cgroup.contains("0::/\(tag)/docker-\(id).scope"), "\(cgroup)")

            let exporter = try ExporterProcess(arguments: ["--namespaces.pid", "\(sleeper.pid)"])
            let samples = Exposition.parse(try exporter.scrape())
            let info = samples.filter { $0.name == "mptcp_namespace_info" && $0.labels["pid"] == "\(sleeper.pid)" }
            #expect(info.count == 1, "\(samples.filter { $0.name == "mptcp_namespace_info" })")
            #expect(info.first?.labels["container_runtime"] == "docker")
            #expect(info.first?.labels["container_id"] == id)
            #expect(info.first?.labels["pod_uid"] == "" && info.first?.labels["systemd_unit"] == "")

            // The report of every namespace says whose each one is.
            let report = try Command.run([Products.exporter, "report", "--netns", "\(sleeper.pid)", "--interval", "0.2", "--format", "json"], timeout: 60)
            #expect(report.succeeded, "\(report.stderr)")
            let all = try Command.run([Products.exporter, "report", "--netns", "all", "--interval", "0.2", "--format", "text"], timeout: 120)
            // With --netns all, named namespaces are found by name, and a process living in one tells whose it is.
            #expect(all.stdout.contains("==== namespace \(tag) (docker container \(id.prefix(12))) ===="),
                    "\(all.stdout.split(separator: "\n").filter { $0.hasPrefix("==== namespace") })")
        }
    }
}
