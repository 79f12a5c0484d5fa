import ArgumentParser
import MPTCPModel
import MPTCPExporterCLI
import MPTCPKernel

/// The entry point: process-wide settings that must precede every other
/// thread, then the command line.
@main
enum ExporterMain {
    static func main() async {
        ResourceLimits.limitMallocArenas()
        await ExporterCommand.main()
    }
}

/// `mptcp-exporter`: the root command. `serve` runs when no subcommand is given.
struct ExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mptcp-exporter",
        abstract: "See inside Multipath TCP on Linux: MPTCP counters grouped by Case diagram, served to Prometheus.",
        discussion: """
        Every MPTcpExt counter of /proc/net/netstat is served as a typed series named \
        mptcp_ext_<snake_case(name)>_total (MPCurrEstab, a gauge, without _total); \
        mptcp_ext_info maps each kernel name to its series and Case diagram.
        """,
        version: BuildInfo.version,
        subcommands: [ServeCommand.self, ConnectionsCommand.self, PathManagerCommand.self, DiagramsCommand.self, DashboardCommand.self, ReportCommand.self, SnapshotCommand.self, ProbeCommand.self, HashPasswordCommand.self],
        defaultSubcommand: ServeCommand.self)

}
