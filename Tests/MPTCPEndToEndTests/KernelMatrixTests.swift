import Foundation
import Testing
import TestSupport

/// The recordings of `scripts/kernel-matrix.sh`: Debian 12's own kernels
/// booted under QEMU, where the built exporter (root and uid 65534) was
/// scraped between two equal readings of nstat and ss, next to ip mptcp and
/// the sysctls. `MPTCP_KERNEL_MATRIX_DIR` names the directory (one
/// subdirectory per kernel series); scripts/test.sh sets it after the run.
enum KernelMatrix {
    static let directory: URL? = ProcessInfo.processInfo.environment["MPTCP_KERNEL_MATRIX_DIR"]
        .map { URL(fileURLWithPath: $0) }

    /// The kernel series recorded, e.g. ["6.1", "6.12"].
    static let kernels: [String] = {
        guard let directory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.filter { !$0.hasPrefix(".") }.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
    }()

    static func text(_ kernel: String, _ path: String) throws -> String {
        guard let directory else { throw Command.Failure(description: "MPTCP_KERNEL_MATRIX_DIR is not set") }
        let url = directory.appendingPathComponent(kernel).appendingPathComponent(path)
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw Command.Failure(description: "\(url.path): \(error.localizedDescription)")
        }
    }

    static func samples(_ kernel: String, _ path: String) throws -> [ExposedSample] {
        Exposition.parse(try text(kernel, path))
    }

    static func value(_ samples: [ExposedSample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    /// Whether this kernel gives an unprivileged reader the subflows' MPTCP
    /// context (tokens, ids, flags in INET_ULP_INFO): 6.15 and later.
    static func unprivilegedSubflowContext(_ kernel: String) -> Bool {
        let parts = kernel.split(separator: ".").compactMap { Int($0) }
        return parts.count >= 2 && (parts[0], parts[1]) >= (6, 15)
    }
}

@Suite("Kernel matrix", .enabled(if: KernelMatrix.directory != nil,
                                 "set MPTCP_KERNEL_MATRIX_DIR to the output of scripts/kernel-matrix.sh (scripts/test.sh does, as root)"))
struct KernelMatrixTests {
    @Test("the guest ran every step: both exporters answered, the readings settled", arguments: KernelMatrix.kernels)
    func ranToTheEnd(kernel: String) throws {
        #expect(try KernelMatrix.text(kernel, "done").isEmpty)
        let missing = (try? KernelMatrix.text(kernel, "log/missing.txt")) ?? ""
        #expect(missing.isEmpty, "\(missing)")
        for host in ["cli", "srv"] {
            #expect((try? KernelMatrix.text(kernel, "\(host)/settled-after")) != nil, "\(host): nstat and ss never read the same twice around a scrape")
        }
        #expect(try KernelMatrix.text(kernel, "kernel-release").hasPrefix(kernel + "."))
    }

    @Test("every MPTcpExt value served equals nstat -asz, on both hosts, root and uid 65534", arguments: KernelMatrix.kernels)
    func countersEqualNstat(kernel: String) throws {
        for (host, recordings) in [("cli", ["metrics-root.txt", "metrics-user.txt"]), ("srv", ["metrics-root.txt"])] {
            let nstat = Nstat.mptcp(of: Nstat.parse(try KernelMatrix.text(kernel, "\(host)/nstat.txt")))
            #expect(nstat.count >= 46, "\(kernel) \(host): \(nstat.count) MPTcpExt counters")
            for recording in recordings {
                let served = ServedState.counters(try KernelMatrix.samples(kernel, "\(host)/\(recording)"))
                #expect(served == nstat, "\(kernel) \(host) \(recording)")
            }
        }
        let client = Nstat.mptcp(of: Nstat.parse(try KernelMatrix.text(kernel, "cli/nstat.txt")))
        #expect((client["MPCapableSYNTX"] ?? 0) >= 3, "3 MPTCP connections and one to a TCP server were opened")
        #expect((client["MPJoinSynAckRx"] ?? 0) >= 3, "each MPTCP connection got its second subflow")
    }

    @Test("connections, subflows, tokens and 4-tuples equal ss -M and ss -ti, on both hosts", arguments: KernelMatrix.kernels)
    func connectionsEqualSS(kernel: String) throws {
        for (host, connections, subflows) in [("cli", 4, 7), ("srv", 3, 6)] {
            let samples = try KernelMatrix.samples(kernel, "\(host)/metrics-root.txt")
            let tuples = SocketStatistics.mptcpConnections(in: try KernelMatrix.text(kernel, "\(host)/ss-M.txt"))
            let shown = SocketStatistics.subflows(in: try KernelMatrix.text(kernel, "\(host)/ss-ti.txt"))
            #expect(tuples.count == connections, "\(kernel) \(host)")
            #expect(shown.count == subflows, "\(kernel) \(host)")
            let info = samples.filter { $0.name == "mptcp_connection_info" }
            #expect(Set(info.map { "\($0.labels["local"] ?? "") -> \($0.labels["remote"] ?? "")" }) == tuples, "\(kernel) \(host)")
            #expect(Set(info.compactMap { $0.labels["token"] }) == Set(shown.map(\.localToken)), "\(kernel) \(host)")
            let served = Set(samples.filter { $0.name == "mptcp_subflow_info" }.map {
                SocketStatistics.SubflowLine(localToken: $0.labels["token"] ?? "", local: $0.labels["local"] ?? "", remote: $0.labels["remote"] ?? "")
            })
            #expect(served == shown, "\(kernel) \(host)")
            #expect(KernelMatrix.value(samples, "mptcp_connections", ["state": "established"]) == Double(connections), "\(kernel) \(host)")
            #expect(KernelMatrix.value(samples, "mptcp_exporter_scrape_collector_success", ["collector": "connections"]) == 1)
        }
        let client = try KernelMatrix.samples(kernel, "cli/metrics-root.txt")
        #expect(KernelMatrix.value(client, "mptcp_connections_fallback") == 1, "\(kernel): the connection to the TCP server")
        #expect(KernelMatrix.value(client, "mptcp_subflows_by_interface", ["interface": "c2"]) == 3, "\(kernel): the joins leave through c2")
    }

    @Test("uid 65534: every connection served; without the subflows' context the exporter says what it cannot see", arguments: KernelMatrix.kernels)
    func unprivilegedConnections(kernel: String) throws {
        let samples = try KernelMatrix.samples(kernel, "cli/metrics-user.txt")
        let log = try KernelMatrix.text(kernel, "log/exporter-cli-user.txt")
        #expect(KernelMatrix.value(samples, "mptcp_exporter_scrape_collector_success", ["collector": "connections"]) == 1)
        #expect(KernelMatrix.value(samples, "mptcp_connections", ["state": "established"]) == 4, "\(kernel)")
        let hidden = KernelMatrix.value(samples, "mptcp_exporter_connections_missing_fields", ["field": "subflow_context"])
        if KernelMatrix.unprivilegedSubflowContext(kernel) {
            #expect(hidden == 0, "\(kernel)")
            #expect(samples.filter { $0.name == "mptcp_subflow_info" }.count == 7, "\(kernel)")
        } else {
            #expect(hidden == 1, "\(kernel): no subflow tokens for uid 65534 before 6.15")
            #expect(log.contains("hides some MPTCP connection fields"), "\(kernel)")
        }
    }

    @Test("endpoints, limits and sysctls equal ip mptcp and /proc/sys/net/mptcp, on both hosts", arguments: KernelMatrix.kernels)
    func pathManagerEqualsIP(kernel: String) throws {
        for host in ["cli", "srv"] {
            let samples = try KernelMatrix.samples(kernel, "\(host)/metrics-root.txt")
            #expect(ServedState.endpoints(samples) == IPMPTCP.endpoints(in: try KernelMatrix.text(kernel, "\(host)/ip-mptcp-endpoint.txt")),
                    "\(kernel) \(host)")
            let limits = IPMPTCP.limits(in: try KernelMatrix.text(kernel, "\(host)/ip-mptcp-limits.txt"))
            #expect(samples.first { $0.name == "mptcp_limit_subflows" }?.valueText == limits.subflows, "\(kernel) \(host)")
            #expect(samples.first { $0.name == "mptcp_limit_add_addr_accepted" }?.valueText == limits.addAddrAccepted, "\(kernel) \(host)")

            let directory = KernelMatrix.directory!.appendingPathComponent(kernel).appendingPathComponent("\(host)/sysctl")
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(names.contains("enabled"))
            let info = samples.first { $0.name == "mptcp_sysctl_info" }?.labels ?? [:]
            for name in names {
                let value = try KernelMatrix.text(kernel, "\(host)/sysctl/\(name)").trimmingCharacters(in: .whitespacesAndNewlines)
                if name == "enabled" {
                    #expect(samples.first { $0.name == "mptcp_enabled" }?.valueText == value, "\(kernel)")
                } else if Int64(value) != nil {
                    #expect(samples.first { $0.name == "mptcp_sysctl_\(name)" }?.valueText == value, "\(kernel) \(name)")
                } else {
                    #expect(info[name] == value, "\(kernel) \(name)")
                }
            }
        }
    }

    @Test("event counts by type equal ip mptcp monitor's over the whole run, on both hosts", arguments: KernelMatrix.kernels)
    func eventsEqualMonitor(kernel: String) throws {
        var seen: [String: Int] = [:]
        for host in ["cli", "srv"] {
            let samples = try KernelMatrix.samples(kernel, "\(host)/metrics-events.txt")
            #expect(KernelMatrix.value(samples, "mptcp_pm_events_available") == 1)
            var served: [String: Int] = [:]
            for sample in samples where sample.name == "mptcp_pm_events_total" && sample.value > 0 {
                served[sample.labels["type"] ?? "", default: 0] = Int(sample.value)
            }
            let monitor = IPMPTCP.eventCounts(in: try KernelMatrix.text(kernel, "\(host)/ip-mptcp-monitor.txt"))
            #expect(served == monitor, "\(kernel) \(host)")
            seen.merge(served, uniquingKeysWith: +)
        }
        // The client hears ADD_ADDR and RM_ADDR, the server MP_PRIO.
        for type in ["created", "established", "closed", "announced", "removed", "sub_established", "sub_closed", "sub_priority"] {
            #expect((seen[type] ?? 0) > 0, "\(kernel): no \(type) event in \(seen)")
        }
        let user = try KernelMatrix.samples(kernel, "cli/metrics-user-events.txt")
        #expect(KernelMatrix.value(user, "mptcp_pm_events_available") == 0, "uid 65534 cannot join mptcp_pm_events")
        #expect(try KernelMatrix.text(kernel, "log/exporter-cli-user.txt").contains("CAP_NET_ADMIN"))
    }

    @Test("uid 65534: endpoints and limits as root sees them, or the refusal said", arguments: KernelMatrix.kernels)
    func unprivilegedPathManager(kernel: String) throws {
        let samples = try KernelMatrix.samples(kernel, "cli/metrics-user.txt")
        let root = try KernelMatrix.samples(kernel, "cli/metrics-root.txt")
        if KernelMatrix.value(samples, "mptcp_exporter_scrape_collector_success", ["collector": "path_manager"]) == 1 {
            #expect(ServedState.endpoints(samples) == ServedState.endpoints(root), "\(kernel)")
        } else {
            #expect(try KernelMatrix.text(kernel, "log/exporter-cli-user.txt").contains("EPERM"), "\(kernel)")
        }
        #expect(KernelMatrix.value(samples, "mptcp_exporter_scrape_collector_success", ["collector": "sysctl"]) == 1)
    }
    @Test("the subflow ledger: 20 connections between two scrapes, every subflow notified with tcp_info, counted once; root and uid 65534",
          arguments: KernelMatrix.kernels)
    func ledger(kernel: String) throws {
        let before = try KernelMatrix.samples(kernel, "cli/metrics-ledger-before.txt")
        let after = try KernelMatrix.samples(kernel, "cli/metrics-ledger.txt")
        func delta(_ name: String, _ labels: [String: String] = [:]) -> Double {
            (KernelMatrix.value(after, name, labels) ?? -1) - (KernelMatrix.value(before, name, labels) ?? 0)
        }
        #expect(KernelMatrix.value(after, "mptcp_ledger_available") == 1, "\(kernel)")
        #expect(KernelMatrix.value(after, "mptcp_pm_events_available") == 1)
        // Every subflow of the 20 connections, by its notification (tcp_info came with it): two each, and a
        // third towards the port-4660 address the server still announces from the event scenario.
        let subflows = delta("mptcp_closed_connection_subflows_sum")
        #expect(subflows >= 40 && subflows <= 60, "\(kernel): \(subflows)")
        #expect(delta("mptcp_ledger_notifications_total", ["socket": "mptcp_subflow"]) == subflows, "\(kernel)")
        #expect(delta("mptcp_ledger_subflows_closed_total", ["source": "notification"]) == subflows)
        #expect(delta("mptcp_ledger_subflows_closed_total", ["source": "scrape"]) == 0)
        #expect(delta("mptcp_connections_ended_total") == 20)
        #expect(delta("mptcp_connection_duration_seconds_count") == 20)
        #expect(delta("mptcp_subflow_join_latency_seconds_count", ["interface": "c2"]) == 20)
        let bytes = delta("mptcp_interface_bytes_acked_total", ["interface": "c1"]) + delta("mptcp_interface_bytes_acked_total", ["interface": "c2"])
        // What the application sent, plus each subflow's FIN and DATA_FIN (2), plus what was reinjected on another subflow.
        let floor: Double = 20 * 50_000 + 2 * subflows
        #expect(bytes >= floor && bytes < floor * 1.1, "\(kernel): \(bytes)")

        // Unprivileged: the notifications arrive (no privilege needed), events do not.
        let user = try KernelMatrix.samples(kernel, "cli/metrics-ledger-user.txt")
        #expect(KernelMatrix.value(user, "mptcp_ledger_available") == 1, "\(kernel): uid 65534")
        #expect(KernelMatrix.value(user, "mptcp_pm_events_available") == 0)
        #expect((KernelMatrix.value(user, "mptcp_ledger_notifications_total", ["socket": "other"]) ?? 0) >= 40,
                "the 40 subflows no scrape saw are dropped as other sockets without events")
    }
}
