import ArgumentParser
import MPTCPCollectors
import MPTCPCommandLine
import MPTCPKernel
import MPTCPModel
import MPTCPPresentation
import MPTCPServer
import MPTCPWire

/// `mptcp-exporter probe HOST:PORT`: does Multipath TCP work from here to there?
public struct ProbeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Open an MPTCP connection to HOST:PORT and say whether MPTCP works: negotiated or fell back (and at which stage), the subflows that came up and the paths that did not, what the peer announced.",
        discussion: """
        The probe looks at its own socket (MPTCP_FULL_INFO, or MPTCP_INFO, MPTCP_TCPINFO and \
        MPTCP_SUBFLOW_ADDRS on kernels before 6.5) and its own path-manager events, never only at the \
        host's counters. Events are seen only where listening is harmless (--events auto: no namespace \
        of the host uses the userspace path manager). Exit status 0 when the probe succeeded, 1 when \
        it failed, 2 for a usage error. The same probe is served at /probe by `serve --probe.config.file`.
        """)

    @Argument(help: "The target: HOST:PORT, ADDRESS:PORT or [IPv6]:PORT.")
    var target: String

    @Option(name: .customLong("probe.config.file"), help: "Take the module from this probe configuration (its allowed_targets apply to /probe, not here).")
    var configFile: String?

    @Option(help: "The module of --probe.config.file to use.")
    var module: String = ProbeConfig.defaultModule

    @Option(help: "Deadline of the whole probe: 500ms, 5s, 1m.")
    var timeout: String?

    @Option(name: .customLong("subflow-wait"), help: "How long to wait after connecting for additional subflows and announcements (within the deadline).")
    var subflowWait: String?

    @Option(help: "Source address to bind the probe to.")
    var source: String?

    @Option(help: "Interface to bind the probe to (SO_BINDTODEVICE).")
    var interface: String?

    @Option(help: "Send this after connecting (\\n and \\r are understood).")
    var payload: String?

    @Flag(name: .customLong("expect-answer"), help: "Fail unless the peer answers the payload.")
    var expectAnswer = false

    @Option(name: .customLong("min-subflows"), help: "Fail unless at least this many subflows are up (the initial one included).")
    var minSubflows: Int?

    @Flag(name: .customLong("allow-fallback"), help: "Succeed even when the connection falls back to TCP.")
    var allowFallback = false

    @Option(name: .customLong("ip-protocol"), help: "Address family of a name to use: any, ip4, ip6.")
    var ipProtocol: String?

    @Option(help: "Output: text, json, prometheus.")
    var format: ProbeFormat = .text

    @Flag(help: "With text output, also print the probe's log.")
    var verbose = false

    @Option(help: "Watch the probe's own path-manager events: auto (only while no network namespace of the host uses the userspace path manager), on, off.")
    var events: EventsMode = .auto

    @Option(name: .customLong("path.procfs"), help: "procfs mount point (the sysctls the probe reads).")
    var procfs: String = "/proc"

    public init() {}

    public func validate() throws {
        guard ProbeTarget(parsing: target) != nil else { throw ValidationError("target \(target) is not HOST:PORT, ADDRESS:PORT or [IPv6]:PORT") }
        if let minSubflows, minSubflows < 0 || minSubflows > 64 { throw ValidationError("--min-subflows must be from 0 to 64") }
        if let source, IPAddress(parsing: source) == nil { throw ValidationError("--source \(source) is not an IP address") }
        if let ipProtocol, ProbeModule.IPProtocol(rawValue: ipProtocol) == nil { throw ValidationError("--ip-protocol must be any, ip4 or ip6") }
        for (flag, text) in [("--timeout", timeout), ("--subflow-wait", subflowWait)] {
            if let text { do { _ = try ProbeConfig.seconds(text, flag) } catch { throw ValidationError("\(error)") } }
        }
        if expectAnswer, payload == nil, configFile == nil { throw ValidationError("--expect-answer needs --payload") }
    }

    /// The module: from the configuration file when given, then the flags over it.
    func probeModule() throws -> ProbeModule {
        var module = ProbeModule()
        if let configFile {
            let config = try ProbeConfig.load(path: configFile)
            guard let named = config.modules[self.module] else {
                throw ValidationError("\(configFile) has no module \(self.module) (it has \(config.modules.keys.sorted().joined(separator: ", ")))")
            }
            module = named
        }
        if let timeout { module.timeout = try ProbeConfig.seconds(timeout, "--timeout") }
        if let subflowWait { module.subflowWait = try ProbeConfig.seconds(subflowWait, "--subflow-wait") }
        if let source { module.sourceAddress = IPAddress(parsing: source) }
        if let interface { module.sourceInterface = interface }
        if let payload {
            module.payload = Array(payload.replacingEscapes().utf8)
        }
        if expectAnswer { module.expectAnswer = true }
        if let minSubflows { module.minSubflows = minSubflows }
        if allowFallback { module.allowFallback = true }
        if let ipProtocol, let value = ProbeModule.IPProtocol(rawValue: ipProtocol) { module.ipProtocol = value }
        return module
    }

    public func run() async throws {
        let module: ProbeModule
        do { module = try probeModule() } catch {
            StandardStream.error("mptcp-exporter probe: \(error)\n")
            throw ExitCode(2)
        }
        guard let target = ProbeTarget(parsing: target) else { throw ExitCode(2) }
        let supervisor = PathManagerEventsSupervisor(mode: events.supervisorMode, procfs: procfs, recheck: 3600)
        defer { supervisor.stop() }
        let prober = Prober(reader: NamespaceReader(procfs: procfs), events: supervisor, maxInFlight: 1)
        guard case let .result(result) = await prober.probe(target, module: module, moduleName: configFile == nil ? "flags" : self.module, allowed: nil) else {
            throw ExitCode(1)
        }
        switch format {
        case .text: StandardStream.output(ProbeText.render(result, log: verbose))
        case .json: StandardStream.output(String(decoding: ProbeOutcome.json(result), as: UTF8.self) + "\n")
        case .prometheus: StandardStream.output(String(decoding: ExpositionRenderer.render(ProbeFamilies.families(result)), as: UTF8.self))
        }
        if !result.success { throw ExitCode(1) }
    }
}

enum ProbeFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, prometheus
}

extension String {
    /// `\n`, `\r`, `\t` and `\\` as the characters they name (payloads given on the command line).
    func replacingEscapes() -> String {
        var out = ""
        var escaped = false
        for character in self {
            if escaped {
                switch character {
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                default: out.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return escaped ? out + "\\" : out
    }
}
