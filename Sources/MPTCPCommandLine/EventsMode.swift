import ArgumentParser
import MPTCPKernel

/// Whether to listen to path-manager events: `--collector.pm-events` of
/// serve, `--events` of report, snapshot and mptcp-top (see ``PathManagerEventsSupervisor``).
public enum EventsMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, on, off

    public var supervisorMode: PathManagerEventsSupervisor.Mode {
        switch self {
        case .auto: return .auto
        case .on: return .on
        case .off: return .off
        }
    }
}
