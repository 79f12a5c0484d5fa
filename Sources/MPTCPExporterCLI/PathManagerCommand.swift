import ArgumentParser
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import MPTCPCommandLine
import MPTCPWire
import MPTCPModel
import MPTCPKernel
import Synchronization

/// `mptcp-exporter path-manager`: endpoints, limits, sysctls, and optionally
/// the path-manager events as they happen (like `ip mptcp monitor`).
public struct PathManagerCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "path-manager",
        abstract: "Show the MPTCP path-manager configuration (endpoints, limits, sysctls) and optionally watch its events.")

    @Option(name: .customLong("path.procfs"), help: "procfs mount point (read: sys/net/mptcp).")
    var procfs: String = "/proc"

    @Option(help: ArgumentHelp("Also print path-manager events for this many seconds (needs CAP_NET_ADMIN).", valueName: "seconds"))
    var events: Double = 0

    @Option(name: .customLong("events-mode"),
            help: "With --events: auto listens only if no network namespace of the host uses the userspace path manager (a listener anywhere makes the kernel accept subflows there as if a daemon ran); on listens anyway.")
    var eventsMode: EventsMode = .auto

    @Option(help: ArgumentHelp("Also write the raw netlink datagrams (endpoints, limits, events) into this directory.", valueName: "directory"))
    var saveRaw: String?

    public init() {}

    public func run() throws {
        let client = try PathManagerClient()
        let (endpoints, endpointsRaw) = try client.endpoints(keepRaw: saveRaw != nil)
        let (limits, limitsRaw) = try client.limits(keepRaw: saveRaw != nil)
        let interfaces = InterfaceTable.read()
        print("endpoints: \(endpoints.count)")
        for endpoint in endpoints {
            var line = "  id \(endpoint.id) \(endpoint.address.map { "\($0)" } ?? "-")"
            if endpoint.port != 0 { line += " port \(endpoint.port)" }
            line += " " + endpoint.flagNames.joined(separator: " ")
            if let interface = endpoint.interfaceName(interfaces.namesByIndex) { line += " dev \(interface)" }
            print(line)
        }
        print("limits: subflows \(limits.subflows.map(String.init) ?? "?") add_addr_accepted \(limits.addAddrAccepted.map(String.init) ?? "?")")
        if let sysctls = try? NamespaceReader(procfs: procfs).sysctls() {
            for (name, value) in sysctls.numbers.sorted(by: { $0.key < $1.key }) { print("net.mptcp.\(name) = \(value)") }
            for (name, value) in sysctls.words.sorted(by: { $0.key < $1.key }) { print("net.mptcp.\(name) = \(value)") }
        }
        var eventsRaw: [[UInt8]] = []
        if events > 0 {
            let collected = Mutex<[[UInt8]]>([])
            let supervisor = PathManagerEventsSupervisor(mode: eventsMode.supervisorMode, procfs: procfs,
                                                         onDatagram: { datagram, decoded in
                collected.withLock { $0.append(datagram) }
                for event in decoded { print(event.summary) }
                fflush(nil)
            })
            if let reason = supervisor.reasonNotListening {
                supervisor.stop()
                throw ValidationError("--events: \(reason)" + (eventsMode == .auto ? "; --events-mode on listens anyway" : ""))
            }
            print("events (\(events) s):")
            fflush(nil)
            usleep(useconds_t(min(events, 3600) * 1_000_000))
            supervisor.stop()
            eventsRaw = collected.withLock { $0 }
        }
        if let directory = saveRaw {
            try OutputDirectory.create(directory)
            for (name, datagrams) in [("get-family", client.familyReply), ("get-addr", endpointsRaw), ("get-limits", limitsRaw), ("events", eventsRaw)] {
                try OutputFile.write(SnapshotArchive.encodeDatagrams(datagrams), to: directory + "/" + name + ".bin")
            }
        }
    }
}
