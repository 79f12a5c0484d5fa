import ArgumentParser

/// `mptcp-exporter dashboard`: the Grafana dashboard, generated from the counter catalogue.
public struct DashboardCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Print the Grafana dashboard JSON (dashboards/mptcp-exporter.json is this output).")

    public init() {}

    public func run() throws {
        print(try GrafanaDashboard.json(), terminator: "")
    }
}
