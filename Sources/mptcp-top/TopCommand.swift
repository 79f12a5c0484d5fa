import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import MPTCPCollectors
import MPTCPWire
import MPTCPModel
import MPTCPCommandLine
import MPTCPKernel
import MPTCPTerminal

/// `mptcp-top`: the live terminal view of Multipath TCP.
@main
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mptcp-top",
        abstract: "Watch MPTCP connections, subflows, Case-diagram counters and path-manager events live.",
        discussion: """
        Keys: q quit, ? help, j/k or arrows move, Enter expand, s sort, / filter, p pause, Tab view, + and - \
        change the refresh interval. With --once or --iterations, or when standard output is not a terminal, \
        it prints plain-text frames (like top -b). NO_COLOR disables colors.
        """,
        version: BuildInfo.version)

    @Option(parsing: .unconditional, help: "Seconds between refreshes.")
    var interval: Double = 2

    @Flag(help: "Print one frame and exit.")
    var once = false

    @Option(parsing: .unconditional, help: "Print this many frames, one per interval, and exit.")
    var iterations: Int?

    @Option(help: ArgumentHelp("Watch a remote exporter through its snapshot endpoint.", valueName: "http://HOST:PORT"))
    var source: String?

    @Option(help: "Listen to path-manager events (local source only): auto (only while no network namespace of the host uses the userspace path manager, where any listener makes the kernel accept subflows as if a daemon ran), on, off.")
    var events: EventsMode = .auto

    @Flag(inversion: .prefixedNo,
          help: "Keep the subflow ledger (local source only): the kernel's TCP destroy notifications, so that connections that end stay listed for 30 s, marked x, with how they ended and their final bytes.")
    var ledger = true

    @Option(name: .customLong("path.procfs"), help: "procfs mount point (local source).")
    var procfs: String = "/proc"

    @Option(parsing: .unconditional, help: "Width of batch-mode frames.")
    var width: Int = 160

    @Option(help: ArgumentHelp("Watch this network namespace (a name under /run/netns, a process id, host) or all of them at once.", valueName: "namespace"))
    var netns: String?

    func validate() throws {
        guard interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval must be between 0.1 and 3600 seconds") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        guard width >= 40 else { throw ValidationError("--width must be at least 40") }
    }

    func run() throws {
        let fetch: TopApp.Fetch
        let sourceLabel: String
        if let source {
            let client = try SnapshotHTTPClient(source: source)
            fetch = { try LiveSnapshotJSON.decode(try client.fetch()) }
            sourceLabel = source
        } else if let netns {
            // Each namespace is read on a thread that entered it; its reader and
            // event listener are created there, so their sockets belong to it.
            let namespaces = try NamespaceSelection.resolve(netns)
            let (events, procfs, ledger) = (self.events, self.procfs, self.ledger)
            let readers = try NamespaceSelection.each(namespaces) { () -> LiveSnapshotReader in
                // The supervisor's and the ledger's threads start here, so they live in this namespace too.
                LiveSnapshotReader.keepingLedger(procfs: procfs, netDirectory: "/proc/thread-self/net",
                                                 eventsMode: events.supervisorMode, ledger: ledger)
            }
            let pairs = zip(namespaces, readers.map(\.value)).map { ($0, $1) }
            fetch = {
                let parts = try pairs.map { namespace, reader -> (namespace: String, snapshot: LiveSnapshot) in
                    switch NamespaceExecutor.run(in: namespace.path, { reader.readNow() }) {
                    case let .success(snapshot): return (namespace.label, snapshot)
                    case let .failure(error): throw error
                    }
                }
                guard parts.count > 1 else { return parts[0].snapshot }
                var merged = LiveSnapshot.merge(parts)
                merged.namespaceOwners = namespaces.owners
                return merged
            }
            sourceLabel = "local"
        } else {
            let reader = LiveSnapshotReader.keepingLedger(procfs: procfs, eventsMode: events.supervisorMode, ledger: ledger)
            fetch = { reader.readNow() }
            sourceLabel = "local"
        }
        let label = netns.map { $0 == "all" ? "all (counters summed)" : $0 } ?? "host"
        let state = TopState(interval: interval, source: sourceLabel, namespace: label)
        let batch = once || iterations != nil || !Terminal.isInteractive
        if batch {
            let failures = TopApp.runBatch(state: state, iterations: once ? 1 : (iterations ?? 1), width: width,
                                           write: { text in print(text, terminator: ""); fflush(nil) }, fetch: fetch)
            // As any tool whose data source failed: say so on standard error and exit 1.
            if let last = failures.last {
                StandardStream.error("mptcp-top: \(failures.count) of \(once ? 1 : (iterations ?? 1)) refreshes failed; last: \(last)\n")
                throw ExitCode(1)
            }
        } else {
            let color = getenv("NO_COLOR").map { String(cString: $0).isEmpty } ?? true
            try TopApp.runInteractive(state: state, color: color, fetch: fetch)
        }
    }
}
