import ArgumentParser
import MPTCPCollectors
import MPTCPModel
import MPTCPPresentation

/// `mptcp-exporter diagrams`: the Case diagrams, with this host's counters.
public struct DiagramsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "diagrams",
        abstract: "Print the Case diagrams of the MPTCP counters with this host's values.",
        discussion: "With --no-values, print the diagrams as the README draws them (every counter the exporter knows).")

    @Option(name: .customLong("path.procfs"), help: "procfs mount point (read: net/netstat).")
    var procfs: String = "/proc"

    @Flag(name: .customLong("values"), inversion: .prefixedNo, help: "Read the counters and print their values.")
    var withValues = true

    @Option(help: "Width of the drawing in columns.")
    var width: Int = 78

    public init() {}

    public func run() throws {
        guard withValues else {
            print(CaseDiagramText.renderAll(width: width), terminator: "")
            return
        }
        let table = try NetstatCollector(procfs: procfs).readTable()
        guard let section = table.section("MPTcpExt") else {
            throw ValidationError("\(procfs)/net/netstat has no MPTcpExt section: this kernel has no MPTCP counters")
        }
        var values: [String: UInt64] = [:]
        for counter in section.counters { values[counter.name] = counter.value }
        print(CaseDiagramText.renderAll(values: .init(absolute: values), width: width), terminator: "")
    }
}
