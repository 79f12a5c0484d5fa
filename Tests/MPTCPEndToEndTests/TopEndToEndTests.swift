import Foundation
import Testing
import TestSupport

extension KernelSuites {
    /// mptcp-top under tmux, inside a namespace carrying MPTCP traffic.
    @Suite("mptcp-top end to end", .serialized, .enabled(if: Requirements.canBuildNamespaces && Tmux.available,
                                                         "needs root, iproute2, tmux and net.mptcp.enabled=1"))
    struct TopEndToEndTests {
        /// Three connections with 2 subflows, sending continuously.
        static func traffic(_ lab: NetnsLab) throws -> [BackgroundProcess] {
            let sink = try lab.spawn(lab.server, [Products.loadgen, "server", "--listen", "\(lab.serverAddress(link: 1)):5201", "--timeout", "60"])
            #expect(sink.waitForOutput(timeout: 10) { out, _ in out.contains("listening") })
            let client = try lab.spawn(lab.client, [Products.loadgen, "client", "--connect", "\(lab.serverAddress(link: 1)):5201",
                                                    "--connections", "3", "--bytes", "100000", "--subflows", "2", "--hold", "40",
                                                    "--pace", "2000000", "--timeout", "50"])
            #expect(client.waitForOutput(timeout: 15) { out, _ in out.contains("reached_subflows\":3") })
            return [client, sink]
        }

        static func connectionRows(_ screen: String) -> [Substring] {
            screen.split(separator: "\n").filter { $0.contains("ESTAB") }
        }

        func drive(_ tmux: Tmux, stty: String) throws {
            // Every connection with its 2 subflows, rates that move.
            let first = try tmux.waitFor { Self.connectionRows($0).count == 3 && $0.contains("2/0/2") && $0.contains("K ") || $0.contains("M ") }
            #expect(Self.connectionRows(first).count == 3, "\(first)")
            #expect(Self.connectionRows(first).allSatisfy { $0.contains("2/0/2") })
            let moving = try tmux.waitFor { screen in
                Self.connectionRows(screen).contains { row in row.split(separator: " ").contains { $0.hasSuffix("K") || $0.hasSuffix("M") } }
            }
            #expect(Self.connectionRows(moving).contains { $0.contains("K ") || $0.contains("M ") }, "send rates should move: \(moving)")

            // Sort: s cycles from rate to token.
            try tmux.keys("s")
            let sorted = try tmux.waitFor { $0.contains("sort token") }
            let tokens = Self.connectionRows(sorted).map { String($0.dropFirst().prefix(8)) }
            #expect(tokens == tokens.sorted(), "\(tokens)")

            // Expand: Enter shows the selected connection's subflows on both interfaces.
            try tmux.keys("Enter")
            let expanded = try tmux.waitFor { $0.contains("init ") && $0.contains(" c2 ") }
            #expect(expanded.contains(" c1 ") && expanded.contains(" c2 ") && expanded.contains("join"), "\(expanded)")

            // Filter by the first token: only that connection is left.
            let token = tokens.first ?? ""
            try tmux.keys("/")
            try tmux.keys("-l", token)
            try tmux.keys("Enter")
            let filtered = try tmux.waitFor { Self.connectionRows($0).count == 1 && $0.contains("filter") }
            #expect(Self.connectionRows(filtered).count == 1 && filtered.contains(token), "\(filtered)")

            // Quit: the program ends and the shell finds its terminal as it was.
            try tmux.keys("q")
            let after = try tmux.waitFor { _ in tmux.paneDead }
            #expect(tmux.paneDead, "\(after)")
            let modes = try String(contentsOfFile: stty, encoding: .utf8)
            #expect(modes.contains(" icanon") && modes.contains(" echo") && !modes.contains("-icanon") && !modes.contains(" -echo "), "\(modes)")
            #expect(!after.contains("TOKEN"), "the alternate screen is gone")
        }

        @Test("local: every connection with its 2 subflows, moving rates, sort, expand, filter, quit, terminal restored")
        func local() throws {
            let lab = try NetnsLab(tag: "top")
            defer { lab.destroy() }
            let processes = try Self.traffic(lab)
            defer { for process in processes { process.stop() } }
            let stty = FileManager.default.temporaryDirectory.appendingPathComponent("stty-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: stty) }
            let tmux = try Tmux(command: "ip netns exec \(lab.client) \(Products.top) --interval 0.5; stty -a > \(stty)")
            try drive(tmux, stty: stty)
        }

        @Test("remote: the same through --source against an exporter")
        func remote() throws {
            let lab = try NetnsLab(tag: "topr")
            defer { lab.destroy() }
            let processes = try Self.traffic(lab)
            defer { for process in processes { process.stop() } }
            let exporter = try ExporterProcess(namespace: lab.client)
            let snapshot = try exporter.request("/api/v1/snapshot")
            #expect(snapshot.status == 200 && snapshot.headers.lowercased().contains("content-type: application/json"))
            let json = try JSONSerialization.jsonObject(with: Data(snapshot.body.utf8)) as? [String: Any] ?? [:]
            #expect(json["schema"] as? String == "mptcp-exporter/snapshot/v1")
            #expect((json["connections"] as? [[String: Any]])?.count == 3)
            let stty = FileManager.default.temporaryDirectory.appendingPathComponent("stty-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: stty) }
            // mptcp-top runs in the host namespace and reaches the exporter through its namespace.
            let tmux = try Tmux(command: "ip netns exec \(lab.client) \(Products.top) --interval 0.5 --source http://127.0.0.1:\(exporter.port); stty -a > \(stty)")
            let screen = try tmux.waitFor { $0.contains("source http://127.0.0.1") }
            #expect(screen.contains("source http://127.0.0.1:\(exporter.port)"))
            try drive(tmux, stty: stty)
        }

        @Test("batch mode: plain frames, by itself when standard output is not a terminal")
        func batch() throws {
            let lab = try NetnsLab(tag: "topb")
            defer { lab.destroy() }
            let processes = try Self.traffic(lab)
            defer { for process in processes { process.stop() } }
            let output = try lab.exec(lab.client, [Products.top, "--iterations", "2", "--interval", "0.5"])
            #expect(!output.contains("\u{1B}["), "no escape sequences")
            let frames = output.components(separatedBy: "mptcp-top  ").dropFirst()
            #expect(frames.count == 2)
            #expect(frames.allSatisfy { $0.split(separator: "\n").filter { $0.contains("ESTAB") }.count == 3 })
            let piped = try lab.exec(lab.client, ["sh", "-c", "\(Products.top) --interval 0.5 | head -5"], timeout: 20)
            #expect(piped.contains("mptcp-top") && piped.contains("TOKEN"))

            // Both ends of every subflow, as ss -M and ss -ti give them, at 80 columns too.
            let subflows = try SocketStatistics.subflows(namespace: lab.client).map { ($0.local, $0.remote) }
            #expect(subflows.count == 6, "\(subflows)")
            for width in ["80", "160"] {
                let frame = try lab.exec(lab.client, [Products.top, "--once", "--width", width])
                for (local, remote) in subflows {
                    #expect(frame.contains("\(local) -> \(remote)"), "width \(width): subflow \(local) -> \(remote) missing:\n\(frame)")
                }
                for line in frame.split(separator: "\n") { #expect(line.count <= Int(width)!, "cut: \(line)") }
            }
        }

        @Test("remote against an exporter watching several namespaces shows them all; an unreachable one exits 1 and says why")
        func remoteNamespacesAndFailures() throws {
            let lab = try NetnsLab(tag: "topn")
            defer { lab.destroy() }
            let processes = try Self.traffic(lab)
            defer { for process in processes { process.stop() } }
            // In the host namespace, watching the lab's named namespaces too.
            let exporter = try ExporterProcess(arguments: ["--namespaces.named"])
            defer { exporter.process.stop() }
            let output = try Command.check([Products.top, "--once", "--source", "http://127.0.0.1:\(exporter.port)", "--width", "160"])
            let rows = output.split(separator: "\n").filter { $0.contains("ESTAB") }
            #expect(rows.filter { $0.contains("[\(lab.client)]") }.count == 3, "the client namespace's connections:\n\(output)")
            #expect(rows.filter { $0.contains("[\(lab.server)]") }.count == 3, "the server namespace's connections:\n\(output)")
            #expect(output.contains("counters summed"))

            // Nothing listens on port 9 of loopback: exit 1, with the reason on standard error.
            let refused = try Command.run([Products.top, "--once", "--source", "http://127.0.0.1:9"], timeout: 20)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("127.0.0.1:9") && refused.stderr.contains("ECONNREFUSED"), "\(refused.stderr)")
        }
    }
}
