import MPTCPWire
/// Turns the counters read from `/proc/net/netstat` and `/proc/net/snmp` into
/// metric families: every MPTcpExt counter the kernel has (known or not), the
/// TCP counters they are read against, and the Case-diagram info series.
public enum CounterFamilies {
    public static let counterInfoName = "mptcp_ext_info"
    public static let diagramInfoName = "mptcp_case_diagram_info"
    public static let counterCountName = "mptcp_kernel_mptcpext_counters"

    /// What ``families(from:)`` reads: MPTcpExt whole, the TCP counters by name.
    public static let selection: NetstatParser.Selection = {
        var sections: [String: [String]?] = ["MPTcpExt": nil]
        for descriptor in CounterCatalog.tcp {
            let names: [String] = (sections[descriptor.section] ?? nil) ?? []
            sections[descriptor.section] = .some(names + [descriptor.name])
        }
        return NetstatParser.Selection(sections)
    }()

    public static func families(from table: NetstatTable) -> [MetricFamily] {
        var families: [MetricFamily] = []
        let mptcp = table.section("MPTcpExt")
        families.append(MetricFamily(
            name: counterCountName,
            help: "Number of MPTcpExt counters the running kernel exposes in /proc/net/netstat; 0 when it has no MPTcpExt section (kernel without MPTCP).",
            type: .gauge, value: .unsigned(UInt64(mptcp?.counters.count ?? 0))))

        var info = MetricFamily(
            name: counterInfoName,
            help: "One series per MPTcpExt counter of the running kernel: its kernel name (counter), its series name (series), the Case diagram it belongs to (diagram) and its role there (entry, pass, branch, exit, detail, gauge). Value always 1.",
            type: .gauge)
        var diagramsPresent = Set<String>()
        // In name order, so that the info series come out sorted (the renderer then does not sort them).
        for counter in (mptcp?.counters ?? []).sorted(by: { $0.name < $1.name }) {
            let descriptor = CounterCatalog.descriptor(mptcpCounter: counter.name)
            let (series, help) = CounterCatalog.seriesAndHelp(descriptor)
            families.append(MetricFamily(
                name: series, help: help,
                type: descriptor.kind == .gauge ? .gauge : .counter,
                value: .unsigned(counter.value)))
            info.samples.append(Sample(labels: [
                ("counter", counter.name), ("series", series),
                ("diagram", descriptor.diagram), ("role", descriptor.role.rawValue),
            ], value: .unsigned(1)))
            diagramsPresent.insert(descriptor.diagram)
        }
        families.append(info)

        var diagramInfo = MetricFamily(
            name: diagramInfoName,
            help: "One series per Case diagram that has counters on this kernel: its id (diagram) and title. Value always 1.",
            type: .gauge)
        for diagram in CounterCatalog.diagrams where diagramsPresent.contains(diagram.id) {
            diagramInfo.samples.append(Sample(
                labels: [("diagram", diagram.id), ("title", diagram.title)], value: .unsigned(1)))
        }
        families.append(diagramInfo)

        for descriptor in CounterCatalog.tcp {
            guard let value = table[descriptor.section, descriptor.name] else { continue }
            let (series, help) = CounterCatalog.seriesAndHelp(descriptor)
            families.append(MetricFamily(
                name: series, help: help,
                type: descriptor.kind == .gauge ? .gauge : .counter, value: .unsigned(value)))
        }
        return families
    }
}
