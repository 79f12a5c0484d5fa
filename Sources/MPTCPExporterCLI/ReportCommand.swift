import ArgumentParser
import FoundationEssentials
import MPTCPCollectors
import MPTCPCommandLine
import MPTCPModel
import MPTCPPresentation
import MPTCPKernel

/// `mptcp-exporter report`: samples the kernel twice and explains what it sees.
public struct ReportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Diagnose MPTCP on this host: sample the kernel twice over an interval and explain what the numbers mean.",
        discussion: """
        Writes the system, the path-manager configuration, the connections, every Case diagram with its values \
        and their change over the interval, the path-manager events seen meanwhile, and findings with their \
        evidence. --from reads a snapshot archive (mptcp-exporter snapshot) instead of the kernel.
        """)

    @Option(parsing: .unconditional, help: "Seconds between the two samples.")
    var interval: Double = 5

    @Option(help: "text, markdown, json or html.")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(name: .customLong("show-zero"), help: "Text and Markdown: list the Case-diagram counters whose value is 0 (folded into one line per flow by default).")
    var showZero = false

    @Option(help: ArgumentHelp("Build the report from this snapshot archive instead of the kernel.", valueName: "archive"))
    var from: String?

    @Option(help: "Watch path-manager events during the interval: auto (only while no network namespace of the host uses the userspace path manager, where any listener makes the kernel accept subflows as if a daemon ran), on, off.")
    var events: EventsMode = .auto

    @Option(name: .customLong("path.procfs"), help: "procfs mount point.")
    var procfs: String = "/proc"

    @Option(help: ArgumentHelp("Report on this network namespace: a name under /run/netns, a process id, host, or all (one report each).", valueName: "namespace"))
    var netns: String?

    public init() {}

    var renderOptions: ReportRenderer.Options { ReportRenderer.Options(showZeroCounters: showZero) }

    public func validate() throws {
        guard interval.isFinite, interval >= 0, interval <= 3600 else { throw ValidationError("--interval must be between 0 and 3600 seconds") }
        if let from {
            // An archive is a finished sample of one namespace: these options would be silently ignored.
            if netns != nil { throw ValidationError("--netns does not apply to --from \(from): the archive already holds one namespace's data") }
            if procfs != "/proc" { throw ValidationError("--path.procfs does not apply to --from \(from): the archive is read instead of the kernel") }
        }
        if netns == "all", format == .html { throw ValidationError("--netns all: choose one namespace for --format html") }
    }

    public func run() throws {
        if let from {
            let snapshot = try SnapshotArchive.decode(try InputFile.read(from, limit: SnapshotArchive.maximumSize))
            try ReportOutput.write(try ReportOutput.render(options: renderOptions, ReportBuilder.build(snapshot), format: format), to: output)
            return
        }
        guard let netns else {
            let snapshot = ReportSampler.sample(reader: NamespaceReader(procfs: procfs), procfs: procfs, interval: interval, events: events.supervisorMode)
            try ReportOutput.write(try ReportOutput.render(options: renderOptions, ReportBuilder.build(snapshot), format: format), to: output)
            return
        }
        let (interval, events) = (self.interval, self.events)
        let reports = try NamespaceSelection.each(try NamespaceSelection.resolve(netns)) {
            ReportBuilder.build(ReportSampler.sample(reader: NamespaceReader.insideNamespace(), procfs: "/proc", interval: interval,
                                                          events: events.supervisorMode))
        }
        if reports.count == 1, let report = reports.first {
            try ReportOutput.write(try ReportOutput.render(options: renderOptions, report.value, format: format), to: output)
            return
        }
        var text = ""
        if format == .json {
            // An array of {"namespace": label, "owner": cgroup owner or null, "report": report}.
            text = "[\n" + (try reports.map { entry in
                let owner = entry.owner.map(PrettyJSON.quoted) ?? "null"
                return "{\"namespace\": \(PrettyJSON.quoted(entry.namespace)), \"owner\": \(owner), \"report\": "
                    + (try ReportOutput.render(options: renderOptions, entry.value, format: .json)) + "}"
            }.joined(separator: ",\n")) + "]\n"
        } else {
            for (namespace, owner, report) in reports {
                let title = namespace + (owner.map { " (\($0))" } ?? "")
                text += (format == .markdown ? "\n# Namespace \(title)\n" : "\n==== namespace \(title) ====\n")
                text += try ReportOutput.render(options: renderOptions, report, format: format)
            }
        }
        try ReportOutput.write(text, to: output)
    }
}

/// `mptcp-exporter snapshot`: everything the report needs, in one archive.
public struct SnapshotCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Write a support archive (tar) with the raw kernel data a report needs; read it back with report --from.",
        discussion: "The archive holds /proc/net/netstat and snmp of both samples, the raw sock_diag and generic-netlink datagrams, endpoints, limits, sysctls, events, route lookups and the kernel version.")

    @Option(parsing: .unconditional, help: "Seconds between the two samples.")
    var interval: Double = 5

    @Option(name: .shortAndLong, help: "Archive to write (default: mptcp-snapshot-HOST-TIME.tar in the current directory).")
    var output: String?

    @Option(help: "Watch path-manager events during the interval: auto (only while no network namespace of the host uses the userspace path manager), on, off.")
    var events: EventsMode = .auto

    @Option(help: ArgumentHelp("Also write the JSON report of the same data here (report --from on the archive gives the same).", valueName: "file"))
    var report: String?

    @Option(name: .customLong("path.procfs"), help: "procfs mount point.")
    var procfs: String = "/proc"

    @Option(help: ArgumentHelp("Snapshot this network namespace: a name under /run/netns, a process id, or host.", valueName: "namespace"))
    var netns: String?

    public init() {}

    public func validate() throws {
        if netns == "all" { throw ValidationError("--netns all: a snapshot holds one namespace; take one per namespace") }
    }

    public func run() throws {
        let (interval, events, procfs) = (self.interval, self.events, self.procfs)
        let snapshot: HostSnapshot
        if let netns, let namespace = try NamespaceSelection.resolve(netns).first {
            snapshot = try NamespaceSelection.each([namespace]) {
                ReportSampler.sample(reader: NamespaceReader.insideNamespace(), procfs: "/proc", interval: interval, events: events.supervisorMode)
            }[0].value
        } else {
            snapshot = ReportSampler.sample(reader: NamespaceReader(procfs: procfs), procfs: procfs, interval: interval, events: events.supervisorMode)
        }
        let path = output ?? "mptcp-snapshot-\(snapshot.hostname)-\(Int(snapshot.second.time)).tar"
        try OutputFile.write(SnapshotArchive.encode(snapshot), to: path)
        if let report { try ReportOutput.write(try ReportOutput.render(ReportBuilder.build(snapshot), format: .json), to: report) }
        StandardStream.error("wrote \(path)\n")
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json, html
}

enum ReportOutput {
    static func render(options: ReportRenderer.Options = .init(), _ report: Report, format: ReportFormat) throws -> String {
        switch format {
        case .text: return ReportRenderer.render(report, style: .text, options: options)
        case .markdown: return ReportRenderer.render(report, style: .markdown, options: options)
        case .html: return ReportHTML.render(report)
        case .json:
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
        }
    }

    /// To `path` as every Unix tool writes a file (``OutputFile``), else to standard output.
    static func write(_ text: String, to path: String?) throws {
        if let path {
            try OutputFile.write(text, to: path)
        } else {
            StandardStream.output(text)
        }
    }
}
