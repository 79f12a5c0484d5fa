import Dispatch
import MPTCPKernel
import MPTCPModel
import MPTCPWire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs probes: an MPTCP connection of the exporter's own to a target, looked
/// at through its own socket (`MPTCP_FULL_INFO`, or on older kernels
/// `MPTCP_INFO`, `MPTCP_TCPINFO` and `MPTCP_SUBFLOW_ADDRS`) and its own
/// path-manager events, never through the host's counters, which other
/// traffic moves. The verdict is ``ProbeResult/evaluate(_:module:moduleName:)``.
///
/// Each probe runs on a thread of its own (its waits are `poll`s bounded by
/// the module's deadline), never on the cooperative threads; at most
/// `maxInFlight` run at once, a probe beyond that is refused at once.
/// Events are seen only while ``PathManagerEventsSupervisor`` listens: a
/// probe never subscribes by itself (listening is host-wide in effect).
public final class Prober: Sendable {
    private let reader: NamespaceReader
    private let events: PathManagerEventsSupervisor?
    public let maxInFlight: Int
    private let inFlight = Atomic<Int>(0)

    public init(reader: NamespaceReader, events: PathManagerEventsSupervisor?, maxInFlight: Int = 4) {
        self.reader = reader
        self.events = events
        self.maxInFlight = max(1, maxInFlight)
    }

    /// Probes `target` with `module`. `allowed` decides, once the target is
    /// resolved, whether it may be probed (nil: anything, for the command line).
    public func probe(_ target: ProbeTarget, module: ProbeModule, moduleName: String,
                      allowed: (@Sendable (ProbeTarget, IPAddress?) -> Bool)?) async -> ProbeOutcome {
        guard inFlight.add(1, ordering: .relaxed).newValue <= maxInFlight else {
            inFlight.subtract(1, ordering: .relaxed)
            return .busy
        }
        defer { inFlight.subtract(1, ordering: .relaxed) }
        return await withCheckedContinuation { (continuation: CheckedContinuation<ProbeOutcome, Never>) in
            DispatchQueue.global().async { [self] in
                continuation.resume(returning: run(target, module: module, moduleName: moduleName, allowed: allowed))
            }
        }
    }

    /// The probe itself, blocking (bounded by the module's deadline).
    public func run(_ target: ProbeTarget, module: ProbeModule, moduleName: String,
                    allowed: (@Sendable (ProbeTarget, IPAddress?) -> Bool)?) -> ProbeOutcome {
        var run = ProbeRun(target: target, module: module)
        guard let address = run.resolve() else { return .result(run.finish(moduleName)) }
        if let allowed, !allowed(target, address) {
            return .refused("target \(target) (\(address)) is not in the probe configuration's allowed_targets")
        }
        run.readConfiguration(reader: reader, events: events)
        run.connect(to: SocketAddress(address: address, port: target.port))
        return .result(run.finish(moduleName))
    }
}

/// The stages of one probe, gathering a ``ProbeObservation``.
struct ProbeRun {
    var seen: ProbeObservation
    let module: ProbeModule
    let start = ProbeSocket.now()
    let deadline: Double
    var recorder: PathManagerEventRecorder?
    var reader: NamespaceReader?
    var token: UInt32?

    init(target: ProbeTarget, module: ProbeModule) {
        seen = ProbeObservation(target: target)
        self.module = module
        deadline = start + max(0.1, module.timeout)
    }

    var left: Double { max(0, deadline - ProbeSocket.now()) }

    mutating func log(_ line: String) {
        let milliseconds = Int(((ProbeSocket.now() - start) * 1000).rounded())
        seen.log.append("\(milliseconds) ms: \(line)")
    }

    /// The address to probe: the target's, or its name's first of the module's family.
    mutating func resolve() -> IPAddress? {
        do {
            let all = try HostResolver.addresses(of: seen.target.host)
            let usable = all.filter {
                switch module.ipProtocol {
                case .any: return true
                case .ip4: return $0.family == IPAddress.inet
                case .ip6: return $0.family == IPAddress.inet6
                }
            }
            guard let first = usable.first else {
                seen.resolveError = "\(seen.target.host) has no \(module.ipProtocol == .ip6 ? "IPv6" : "IPv4") address (\(all.count) other)"
                return nil
            }
            log("resolved \(seen.target.host) to \(all.map { "\($0)" }.joined(separator: ", ")); probing \(first)")
            return first
        } catch {
            seen.resolveError = "\(error)"
            return nil
        }
    }

    /// This host's endpoints, limits and sysctls, and whether events can be seen.
    mutating func readConfiguration(reader: NamespaceReader, events: PathManagerEventsSupervisor?) {
        self.reader = reader
        if let events, events.listener != nil {
            recorder = events.recorder
        } else {
            seen.eventsUnavailable = events?.reasonNotListening ?? "path-manager events are not listened to"
            log("path-manager events not seen: \(seen.eventsUnavailable ?? "")")
        }
        do {
            let read = try reader.pathManager()
            seen.endpoints = read.endpoints
            seen.limits = read.limits
            log("\(read.endpoints.count) endpoint(s); limits subflows \(read.limits.subflows.map(String.init) ?? "?"), add_addr_accepted \(read.limits.addAddrAccepted.map(String.init) ?? "?")")
        } catch {
            log("path-manager configuration not read: \(error)")
        }
        if let sysctls = try? reader.sysctls() {
            seen.pathManager = sysctls.pathManager
            seen.blackholeTimeout = sysctls.numbers["blackhole_timeout"].map { Int(clamping: $0) }
            seen.synRetransmitsBeforeFallback = sysctls.numbers["syn_retrans_before_tcp_fallback"].map { Int(clamping: $0) }
        }
        seen.interfaces = InterfaceTable.read()
    }

    /// Connects, exchanges the payload, waits for subflows, and looks at the socket.
    mutating func connect(to address: SocketAddress) {
        seen.address = address
        let socket: ProbeSocket
        do {
            socket = try ProbeSocket(family: address.address.family)
            if let interface = module.sourceInterface { try socket.bind(toDevice: interface) }
            if let source = module.sourceAddress { try socket.bind(to: source) }
        } catch {
            seen.socketErrno = error.code
            seen.socketError = "\(error)"
            log("\(error)")
            seen.durationSeconds = ProbeSocket.now() - start
            return
        }
        seen.activeDisabledBefore = activeDisabled()
        let connectStart = ProbeSocket.now()
        defer { if seen.activeDisabledAfter == nil { seen.activeDisabledAfter = activeDisabled() } }
        if let error = socket.connect(to: address, timeout: left) {
            seen.connectErrno = error.code
            log("\(error)")
            seen.durationSeconds = ProbeSocket.now() - start
            return
        }
        let connected = ProbeSocket.now()
        seen.activeDisabledAfter = activeDisabled()
        seen.connectSeconds = connected - connectStart
        seen.local = socket.localAddress()
        seen.tcpAtConnect = try? socket.tcpInfo()
        let info = try? socket.option(level: MPTCPSocketOptions.level, name: MPTCPSocketOptions.info,
                                      input: [UInt8](repeating: 0, count: MPTCPSocketOptions.mptcpInfoSize))
        seen.mptcpAtConnect = info != nil
        log("connected from \(seen.local.map { "\($0)" } ?? "?") in \(Int((seen.connectSeconds! * 1000).rounded())) ms; "
            + (seen.mptcpAtConnect ? "MPTCP" : "fell back to TCP")
            + "; SYN retransmissions \(seen.tcpAtConnect?.totalRetrans.map(String.init) ?? "?")")
        if let info, let token = MPTCPInfo(ByteView(info)).token, let recorder {
            self.token = token
            recorder.watch(token: token)
            log("following the events of token \(hex8(token))")
        }
        exchange(socket)
        if seen.mptcpAtConnect { waitForSubflows(socket, since: connected) }
        if let recorder, let token { seen.events = recorder.unwatch(token: token) }
        else if seen.eventsUnavailable == nil, recorder != nil { seen.events = [] }
        seen.durationSeconds = ProbeSocket.now() - start
    }

    /// `MPCapableSYNTXDisabled` of this namespace now.
    func activeDisabled() -> UInt64? {
        (try? reader?.counters())?["MPTcpExt", "MPCapableSYNTXDisabled"]
    }

    mutating func exchange(_ socket: ProbeSocket) {
        guard let payload = module.payload else { return }
        do {
            try socket.send(payload, timeout: left)
            guard module.expectAnswer else {
                log("sent \(payload.count) bytes")
                return
            }
            let answer = try socket.receive(limit: 65536, timeout: left)
            seen.answerBytes = answer.count
            log("sent \(payload.count) bytes, received \(answer.count)")
        } catch {
            seen.exchangeError = "\(error)"
            log("payload: \(error)")
        }
    }

    /// Looks at the socket every 50 ms until `subflowWait` has passed (at
    /// least 0.5 s, for announcements to arrive) and every subflow the
    /// configuration offers is up, or until the deadline.
    mutating func waitForSubflows(_ socket: ProbeSocket, since connected: Double) {
        let until = min(deadline, connected + max(0, module.subflowWait))
        let earliestEnd = connected + min(0.5, module.subflowWait)
        var looks = 0
        while true {
            let view = Self.look(socket)
            looks += 1
            seen.info = view.info ?? seen.info
            seen.mptcpAtEnd = view.info != nil
            if !seen.mptcpAtEnd {
                log("the connection fell back to TCP after the handshake (\(view.error.map { "\($0)" } ?? ""))")
                return
            }
            let now = ProbeSocket.now()
            if now >= until { break }
            if now >= earliestEnd, allExpectedUp() { break }
            usleep(50_000)
        }
        let subflows = seen.info?.subflows ?? []
        log("\(looks) look(s) at the socket: \(subflows.filter { $0.tcp?.state == 1 }.count) of \(subflows.count) subflow(s) established")
    }

    /// Every subflow the endpoints and announcements offer is up, none pending.
    func allExpectedUp() -> Bool {
        guard let subflows = seen.info?.subflows, !subflows.contains(where: { $0.tcp?.state != 1 }),
              seen.endpoints != nil, seen.limits != nil else { return false }
        let announced = token.flatMap { recorder?.events(of: $0).filter { $0.kind == .announced }.count } ?? 0
        return subflows.count >= 1 + ProbeResult.expectedExtraSubflows(seen, announced: announced)
    }

    /// MPTCP_FULL_INFO, else the three older options; nil info once the connection is no longer MPTCP.
    static func look(_ socket: ProbeSocket) -> (info: MPTCPSocketInfo?, error: SystemCallError?) {
        do {
            return (try socket.fullInfo(), nil)
        } catch {
            do { return (try socket.subflowData(), nil) } catch { return (nil, error) }
        }
    }

    func finish(_ moduleName: String) -> ProbeResult {
        var seen = seen
        if seen.durationSeconds == 0 { seen.durationSeconds = ProbeSocket.now() - start }
        return ProbeResult.evaluate(seen, module: module, moduleName: moduleName)
    }
}
