import MPTCPWire

/// The answer to "does Multipath TCP work from here to there?": one probe's
/// verdict, with the evidence for it. The JSON of `probe --format json` and
/// of `/probe?…&format=json` is this structure.
public struct ProbeResult: Sendable, Codable, Equatable {
    public static let currentSchemaVersion = 1
    public var schemaVersion = ProbeResult.currentSchemaVersion
    public var target: String
    public var module: String
    /// The address probed.
    public var address: String?
    public var success = false
    /// Why the probe failed; nil on success.
    public var failure: String?
    public var durationSeconds: Double = 0
    public var connectSeconds: Double?
    /// The probe's own address and port.
    public var local: String?
    /// MP_CAPABLE was negotiated and the connection was still MPTCP at the end.
    public var mptcp = false
    /// How and when the connection fell back to TCP, when it did.
    public var fallback: Fallback?
    /// The subflows of the connection at the end (after a fallback: the TCP connection).
    public var subflows: [Subflow] = []
    /// Subflows this host's path-manager configuration should give the
    /// connection (the initial one included); nil when it cannot be told.
    public var expectedSubflows: Int?
    /// How ``expectedSubflows`` was reckoned, or why it could not be.
    public var expectedBecause = ""
    /// Paths the configuration offers that did not come up, each with why.
    public var missingPaths: [MissingPath] = []
    /// Subflows of the probe that closed (its own `sub_closed` events).
    public var closedSubflows: [ClosedSubflow] = []
    /// Addresses the peer announced (ADD_ADDR), from the probe's events.
    public var announced: [String] = []
    /// Whether the probe could see its own path-manager events.
    public var eventsSeen = false
    public var eventsUnavailable: String?
    public var answerBytes: Int?
    /// What the probe did, step by step.
    public var log: [String] = []

    public struct Fallback: Sendable, Codable, Equatable {
        public var stage: Stage
        public var explanation: String
    }

    public enum Stage: String, Sendable, Codable, CaseIterable {
        /// SYNs with MP_CAPABLE went unanswered; the kernel retried without MPTCP.
        case synDropped = "syn_dropped"
        /// The SYN+ACK had no MP_CAPABLE.
        case synAckWithoutMPCapable = "synack_without_mp_capable"
        /// MPTCP was negotiated, then abandoned.
        case afterHandshake = "after_handshake"
        /// The kernel did not ask for MPTCP: active MPTCP is disabled after a blackhole.
        case activeDisabled = "active_mptcp_disabled"
    }

    public struct Subflow: Sendable, Codable, Equatable {
        public var id: UInt32?
        public var local: String
        public var remote: String
        public var interface: String?
        /// TCP state name (`established`, `syn-sent`, …).
        public var state: String
        public var up: Bool
        public var rttSeconds: Double?
    }

    public struct MissingPath: Sendable, Codable, Equatable {
        /// The local address (a subflow endpoint), or `any` for a path towards an announced address.
        public var from: String
        public var interface: String?
        public var towards: String
        public var reason: String
    }

    public struct ClosedSubflow: Sendable, Codable, Equatable {
        public var local: String?
        public var remote: String?
        public var error: String
        public var resetReason: String?
    }

    public var subflowsUp: Int { subflows.filter(\.up).count }

    public init(target: String, module: String) {
        self.target = target
        self.module = module
    }
}

extension ProbeResult {
    /// The verdict on what a probe saw: pure, so each stage is tested on recorded facts.
    public static func evaluate(_ seen: ProbeObservation, module: ProbeModule, moduleName: String) -> ProbeResult {
        var result = ProbeResult(target: "\(seen.target)", module: moduleName)
        result.address = seen.address.map { "\($0)" }
        result.durationSeconds = seen.durationSeconds
        result.log = seen.log
        result.eventsSeen = seen.events != nil
        result.eventsUnavailable = seen.eventsUnavailable
        if let failure = failureBeforeConnection(seen) {
            result.failure = failure
            return result
        }
        result.connectSeconds = seen.connectSeconds
        result.local = seen.local.map { "\($0)" }
        result.answerBytes = seen.answerBytes
        result.mptcp = seen.mptcpAtConnect && seen.mptcpAtEnd
        result.fallback = fallback(seen)
        result.subflows = subflows(seen, fellBack: result.fallback != nil)
        if let events = seen.events {
            result.closedSubflows = events.filter { $0.kind == .subflowClosed }.map { event in
                ClosedSubflow(local: event.source.map { $0.endpoint(port: event.sourcePort ?? 0) },
                              remote: event.destination.map { $0.endpoint(port: event.destinationPort ?? 0) },
                              error: event.error.map { ErrnoNames.name(Int32($0)) } ?? "none",
                              resetReason: event.resetReason.map(PathManagerEvent.resetReasonName))
            }
            var announced: [String] = []
            for event in events where event.kind == .announced {
                guard let address = event.destination else { continue }
                let text = event.destinationPort.map { $0 == 0 ? "\(address)" : address.endpoint(port: $0) } ?? "\(address)"
                if !announced.contains(text) { announced.append(text) }
            }
            result.announced = announced
        }
        if result.mptcp { expectations(seen, into: &result) } else {
            result.expectedBecause = "the connection is not MPTCP: no additional subflow"
        }
        result.failure = failureAfterConnection(result, seen: seen, module: module)
        result.success = result.failure == nil
        return result
    }

    static func failureBeforeConnection(_ seen: ProbeObservation) -> String? {
        if let reason = seen.resolveError { return reason }
        if let code = seen.socketErrno {
            switch code {
            case 92: return "MPTCP is disabled on this host: socket(IPPROTO_MPTCP) gives ENOPROTOOPT (net.mptcp.enabled = 0)"
            case 93: return "this kernel has no MPTCP: socket(IPPROTO_MPTCP) gives EPROTONOSUPPORT"
            default: return "cannot open the probe's socket: \(seen.socketError ?? ErrnoNames.name(code))"
            }
        }
        if let code = seen.connectErrno {
            let target = seen.address.map { "\($0)" } ?? "\(seen.target)"
            switch code {
            case 111: return "connect to \(target): ECONNREFUSED (nothing listens there, or a firewall rejects)"
            case 110: return "connect to \(target): no answer within the deadline (ETIMEDOUT: the SYNs were dropped, with the MPTCP option and without)"
            case 113, 101: return "connect to \(target): \(ErrnoNames.name(code)) (no route)"
            default: return "connect to \(target): \(ErrnoNames.name(code))"
            }
        }
        return nil
    }

    static func fallback(_ seen: ProbeObservation) -> Fallback? {
        if !seen.mptcpAtConnect {
            let retransmits = Int(seen.tcpAtConnect?.totalRetrans ?? 0)
            let threshold = seen.synRetransmitsBeforeFallback
            if retransmits > 0, retransmits >= (threshold ?? 1) {
                return Fallback(stage: .synDropped, explanation:
                    "the SYN was sent \(retransmits + 1) times: those carrying MP_CAPABLE went unanswered and the kernel retried without MPTCP"
                    + (threshold.map { " (net.mptcp.syn_retrans_before_tcp_fallback = \($0))" } ?? "")
                    + ": something on the path drops SYNs carrying the MPTCP option (TCP option 30)")
            }
            if retransmits == 0, let before = seen.activeDisabledBefore, let after = seen.activeDisabledAfter, after > before {
                return Fallback(stage: .activeDisabled, explanation:
                    "the kernel sent the SYN without MPTCP: active MPTCP is disabled on this host after an earlier blackhole (MPCapableSYNTXDisabled rose during the probe"
                    + (seen.blackholeTimeout.map { "; net.mptcp.blackhole_timeout = \($0) s, longer on repeats" } ?? "")
                    + "); an earlier path dropped MPTCP packets")
            }
            return Fallback(stage: .synAckWithoutMPCapable, explanation:
                "the SYN+ACK came back without MP_CAPABLE: the server does not speak MPTCP, or a middlebox strips the option"
                + (retransmits > 0 ? " (after \(retransmits) SYN retransmission(s))" : ""))
        }
        if !seen.mptcpAtEnd {
            return Fallback(stage: .afterHandshake, explanation:
                "MPTCP was negotiated, then the connection fell back to TCP (MP_FAIL or an infinite mapping: something on the path changed the data or dropped MPTCP options)")
        }
        return nil
    }

    static func subflows(_ seen: ProbeObservation, fellBack: Bool) -> [Subflow] {
        if fellBack || seen.info == nil {
            guard let local = seen.local, let remote = seen.address else { return [] }
            let tcp = seen.tcpAtConnect
            return [Subflow(id: nil, local: "\(local)", remote: "\(remote)",
                            interface: interfaceName(local.address, remote: remote.address, seen),
                            state: "established", up: true, rttSeconds: tcp?.rtt.map { Double($0) / 1e6 })]
        }
        return (seen.info?.subflows ?? []).map { subflow in
            let state = subflow.tcp?.state
            let interface = subflow.local.flatMap { local in interfaceName(local.address, remote: subflow.remote?.address, seen) }
            return Subflow(id: subflow.id, local: subflow.local.map { "\($0)" } ?? "?", remote: subflow.remote.map { "\($0)" } ?? "?",
                           interface: interface, state: state.map(TCPState.name) ?? "unknown",
                           up: state == 1, rttSeconds: state == 1 ? subflow.tcp?.rtt.map { Double($0) / 1e6 } : nil)
        }
    }

    /// The interface a subflow of the probe leaves by: the `dev` of the
    /// endpoint that owns its local address, else the interface holding that
    /// address (the probe is the client: per-source routing), else the
    /// interface table's guess from the remote address.
    static func interfaceName(_ local: IPAddress, remote: IPAddress?, _ seen: ProbeObservation) -> String? {
        let address = local.unmappedIPv4
        if let endpoint = seen.endpoints?.first(where: { $0.address?.unmappedIPv4 == address }),
           let name = endpoint.interfaceName(seen.interfaces.namesByIndex) { return name }
        if let entry = seen.interfaces.entries.first(where: { $0.address == address }) { return entry.name }
        return remote.flatMap { seen.interfaces.name(boundIndex: 0, local: address, remote: $0) }
    }

    /// What this host's path manager should give the connection, and which
    /// of those paths did not come up, each with its reason.
    static func expectations(_ seen: ProbeObservation, into result: inout ProbeResult) {
        if let manager = seen.pathManager, manager == "userspace" {
            result.expectedBecause = "the userspace path manager is in use: additional subflows are whatever its daemon creates"
            return
        }
        guard seen.endpoints != nil, let limits = seen.limits, let remote = seen.address else {
            result.expectedBecause = "the path-manager endpoints or limits could not be read"
            return
        }
        let local = localSubflowEndpoints(seen)
        let announcedCount = seen.events != nil ? result.announced.count : Int(seen.info?.info.addAddrAccepted ?? 0)
        let accepted = min(announcedCount, Int(limits.addAddrAccepted ?? 0))
        let noDataYet = noDataCrossed(seen)
        result.expectedSubflows = 1 + expectedExtraSubflows(seen, announced: announcedCount)
        result.expectedBecause = "\(local.count) subflow endpoint(s) of this family besides the initial address"
            + (noDataYet && !local.isEmpty ? " (not expected: no data crossed the connection)" : "")
            + ", \(accepted) accepted announcement(s) of \(announcedCount), subflow limit \(limits.subflows.map(String.init) ?? "?")"

        let subflows = seen.info?.subflows ?? []
        let up = subflows.filter { $0.tcp?.state == 1 }
        let pending = subflows.filter { $0.tcp?.state != 1 }
        let closed = (seen.events ?? []).filter { $0.kind == .subflowClosed }
        func describe(_ event: PathManagerEvent) -> String {
            (event.error.map { ErrnoNames.name(Int32($0)) } ?? "none")
                + (event.resetReason.map { $0 == 0 ? "" : ", reset reason \(PathManagerEvent.resetReasonName($0))" } ?? "")
        }
        var extraLeft = Int(limits.subflows ?? 0) - max(0, up.count - 1)
        for endpoint in local {
            guard let address = endpoint.address?.unmappedIPv4 else { continue }
            guard !up.contains(where: { $0.local?.address == address }) else { continue }
            let interface = endpoint.interfaceName(seen.interfaces.namesByIndex)
                ?? seen.interfaces.entries.first { $0.address == address }?.name
            let reason: String
            if let event = closed.last(where: { $0.source?.unmappedIPv4 == address }) {
                reason = "a subflow was tried and closed: \(describe(event))"
            } else if pending.contains(where: { $0.local?.address == address }) {
                reason = "still connecting at the deadline: its MP_JOIN SYN got no answer"
            } else if extraLeft <= 0 {
                reason = "not tried: the subflow limit (\(limits.subflows.map(String.init) ?? "?")) was reached"
            } else if noDataYet {
                reason = "not tried: no data crossed the connection, and the path manager adds subflows only once a connection is fully established (give the probe a payload)"
            } else {
                reason = "not tried by the path manager"
            }
            extraLeft -= 1
            result.missingPaths.append(MissingPath(from: "\(address)", interface: interface, towards: "\(remote)", reason: reason))
        }
        var announcedAddresses: [IPAddress] = []
        for event in seen.events ?? [] where event.kind == .announced {
            if let address = event.destination?.unmappedIPv4, !announcedAddresses.contains(address) { announcedAddresses.append(address) }
        }
        for address in announcedAddresses where address != remote.address.unmappedIPv4 {
            guard !up.contains(where: { $0.remote?.address == address }) else { continue }
            let reason: String
            if let event = closed.last(where: { $0.destination?.unmappedIPv4 == address }) {
                reason = "announced; a subflow towards it was tried and closed: \(describe(event))"
            } else if Int(limits.addAddrAccepted ?? 0) == 0 {
                reason = "announced, not accepted: add_addr_accepted is 0"
            } else {
                reason = "announced, no subflow towards it came up"
            }
            result.missingPaths.append(MissingPath(from: "any", interface: nil, towards: "\(address)", reason: reason))
        }
    }

    /// The endpoints with the subflow flag, of the target's family, other
    /// than the address of the initial subflow: where the path manager opens
    /// additional subflows from.
    public static func localSubflowEndpoints(_ seen: ProbeObservation) -> [Endpoint] {
        guard let endpoints = seen.endpoints, let remote = seen.address else { return [] }
        let family = remote.address.unmappedIPv4.family
        let initial = seen.local?.address.unmappedIPv4
        return endpoints.filter { endpoint in
            guard endpoint.has("subflow"), let address = endpoint.address?.unmappedIPv4 else { return false }
            return address.family == family && address != initial
        }
    }

    /// Whether no data has crossed the connection: it is then not fully
    /// established, and the path manager opens no subflow of its own.
    public static func noDataCrossed(_ seen: ProbeObservation) -> Bool {
        seen.info.map { ($0.info.bytesSent ?? 1) == 0 && ($0.info.bytesReceived ?? 1) == 0 } ?? false
    }

    /// The additional subflows the in-kernel path manager should open:
    /// from the local subflow endpoints (once data crossed) and towards
    /// accepted announcements, within the subflow limit.
    public static func expectedExtraSubflows(_ seen: ProbeObservation, announced: Int) -> Int {
        guard let limits = seen.limits else { return 0 }
        let local = noDataCrossed(seen) ? 0 : localSubflowEndpoints(seen).count
        let accepted = min(announced, Int(limits.addAddrAccepted ?? 0))
        return min(Int(limits.subflows ?? 0), local + accepted)
    }

    static func failureAfterConnection(_ result: ProbeResult, seen: ProbeObservation, module: ProbeModule) -> String? {
        if let fallback = result.fallback, !module.allowFallback {
            return "fell back to TCP (\(fallback.stage.rawValue)): \(fallback.explanation)"
        }
        if result.subflowsUp < module.minSubflows {
            let why = result.missingPaths.first.map { "; \($0.from) → \($0.towards): \($0.reason)" } ?? ""
            return "\(result.subflowsUp) subflow(s) up, \(module.minSubflows) required\(why)"
        }
        if let error = seen.exchangeError { return "the payload exchange failed: \(error)" }
        if module.expectAnswer, (result.answerBytes ?? 0) == 0 { return "no answer to the payload within the deadline" }
        return nil
    }
}
