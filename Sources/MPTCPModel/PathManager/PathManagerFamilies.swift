import MPTCPWire
/// Metric families of the path-manager collectors.
public enum PathManagerFamilies {
    /// Collector `path_manager`: endpoints and limits.
    public static func configuration(endpoints: [Endpoint], limits: PathManagerLimits,
                                     interfaceNames: [UInt32: String] = [:]) -> [MetricFamily] {
        var info = MetricFamily(
            name: "mptcp_endpoint_info",
            help: "One series per path-manager endpoint (ip mptcp endpoint show): id, address, port (empty when none), interface (empty when none) and flags (signal, subflow, backup, fullmesh, implicit, laminar; comma-separated). Value always 1.",
            type: .gauge)
        for endpoint in endpoints {
            let interface = endpoint.interfaceName(interfaceNames) ?? ""
            info.samples.append(Sample(labels: [
                ("id", String(endpoint.id)), ("address", endpoint.address.map { "\($0)" } ?? ""),
                ("port", endpoint.port == 0 ? "" : String(endpoint.port)), ("interface", interface),
                ("flags", endpoint.flagNames.joined(separator: ",")),
            ], value: .unsigned(1)))
        }
        var byFlag = MetricFamily(
            name: "mptcp_endpoints_by_flag",
            help: "Path-manager endpoints carrying each flag. With no subflow endpoint this host never opens extra subflows; with no signal endpoint it never announces an address.",
            type: .gauge)
        for flag in Endpoint.knownFlags {
            byFlag.samples.append(Sample(labels: [("flag", flag.name)],
                                         value: .unsigned(UInt64(endpoints.filter { $0.flags & flag.bit != 0 }.count))))
        }
        var families = [
            info, byFlag,
            MetricFamily(name: "mptcp_endpoints", help: "Path-manager endpoints configured (ip mptcp endpoint).",
                         type: .gauge, value: .unsigned(UInt64(endpoints.count))),
        ]
        if let subflows = limits.subflows {
            families.append(MetricFamily(name: "mptcp_limit_subflows",
                help: "Maximum number of additional subflows per connection (ip mptcp limits: subflow). 0 means one path only.",
                type: .gauge, value: .unsigned(UInt64(subflows))))
        }
        if let accepted = limits.addAddrAccepted {
            families.append(MetricFamily(name: "mptcp_limit_add_addr_accepted",
                help: "Maximum number of ADD_ADDR accepted per connection (ip mptcp limits: add_addr_accepted).",
                type: .gauge, value: .unsigned(UInt64(accepted))))
        }
        return families
    }

    /// Collector `sysctl`: every `net.mptcp.*` sysctl the kernel has.
    public static func sysctls(_ sysctls: MPTCPSysctls) -> [MetricFamily] {
        var families: [MetricFamily] = []
        if let enabled = sysctls.enabled {
            families.append(MetricFamily(name: "mptcp_enabled",
                help: "Whether MPTCP sockets can be created in this network namespace (net.mptcp.enabled).",
                type: .gauge, value: .unsigned(enabled ? 1 : 0)))
        }
        for (name, value) in sysctls.numbers.sorted(by: { $0.key < $1.key }) {
            let series = "mptcp_sysctl_" + MetricNaming.snakeCase(name)
            families.append(MetricFamily(name: series,
                help: "net.mptcp.\(name): \(sysctlHelp[name] ?? "a numeric MPTCP sysctl of this kernel").",
                type: .gauge, value: .signed(value)))
        }
        var labels: [(name: String, value: String)] = []
        for (name, value) in sysctls.words.sorted(by: { $0.key < $1.key }) {
            let label = MetricNaming.snakeCase(name)
            if MetricNaming.isValidMetricName(label), !label.hasPrefix("__") { labels.append((label, value)) }
        }
        if let pathManager = sysctls.pathManager, sysctls.words["path_manager"] == nil {
            labels.append(("path_manager", pathManager))
        }
        families.append(MetricFamily(name: "mptcp_sysctl_info",
            help: "The net.mptcp.* sysctls whose values are words, as labels (path_manager, scheduler, available_schedulers, available_path_managers, …; path_manager derived from pm_type on kernels before 6.15). Value always 1.",
            type: .gauge, samples: [Sample(labels: labels, value: .unsigned(1))]))
        return families
    }

    /// Collector `pm_events`.
    public static func events(_ log: PathManagerEventLog?, unavailableReason: String?) -> [MetricFamily] {
        var families = [MetricFamily(name: "mptcp_pm_events_available",
            help: "1 when the exporter receives path-manager events (mptcp_pm_events; needs CAP_NET_ADMIN; by default off while any network namespace of the host uses the userspace path manager); 0 otherwise, see the log.",
            type: .gauge, value: .unsigned(log != nil && unavailableReason == nil ? 1 : 0))]
        var byType = MetricFamily(name: "mptcp_pm_events_total",
            help: "Path-manager events received since the exporter started, by type (created, established, closed, announced, removed, sub_established, sub_closed, sub_priority, listener_created, listener_closed, unknown).",
            type: .counter)
        // Without events the families are still declared (HELP and TYPE, no
        // samples), so dashboards and rules find the names on every host.
        // Counts received before listening stopped are still served.
        let available = unavailableReason == nil || (log?.countsByKind.values.contains { $0 > 0 } ?? false) ? log : nil
        for (type, count) in available?.countsByKind ?? [:] { byType.samples.append(Sample(labels: [("type", type)], value: .unsigned(count))) }
        var closed = MetricFamily(name: "mptcp_pm_subflows_closed_total",
            help: "Subflows closed (sub_closed events) by socket error (errno name, none) and MP_RST reason received (RFC 8684 name, none).",
            type: .counter)
        for (key, count) in available?.closedSubflows ?? [:] {
            closed.samples.append(Sample(labels: [("error", key.error), ("reset_reason", key.resetReason)], value: .unsigned(count)))
        }
        families += [byType, closed,
                     MetricFamily(name: "mptcp_pm_events_lost_total",
                                  help: "Times the kernel dropped path-manager events because the exporter's socket buffer was full (ENOBUFS).",
                                  type: .counter, samples: available.map { [Sample(value: .unsigned($0.lost))] } ?? []),
                     MetricFamily(name: "mptcp_pm_events_malformed_total",
                                  help: "Path-manager event messages that could not be decoded (a malformed attribute, a field of the wrong size) and were not counted by type.",
                                  type: .counter, samples: available.map { [Sample(value: .unsigned($0.malformed))] } ?? [])]
        return families
    }

    static let sysctlHelp: [String: String] = [
        "enabled": "1 when MPTCP sockets can be created",
        "add_addr_timeout": "seconds before an unacknowledged ADD_ADDR is sent again",
        "allow_join_initial_addr_port": "1 when peers may MP_JOIN to the initial subflow's address and port",
        "blackhole_timeout": "seconds active MPTCP stays disabled after a firewall blackhole is detected (grows on repeats; 0 disables detection)",
        "checksum_enabled": "1 when DSS checksums are used",
        "close_timeout": "seconds an MPTCP connection without subflows lingers before closing",
        "pm_type": "legacy path-manager type: 0 kernel, 1 userspace",
        "stale_loss_cnt": "MPTCP retransmission intervals without progress before a subflow is marked stale",
        "syn_retrans_before_tcp_fallback": "SYN+MP_CAPABLE retransmissions before retrying without MPTCP",
    ]
}
