import MPTCPWire

extension Report {
    /// Why one connection has the paths it has, from evidence: its own
    /// subflows and mptcp_info, the path manager's endpoints and limits, route
    /// lookups, path-manager events for its token, and the counters.
    public struct Verdict: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            /// Two or more active subflows.
            case multipath
            /// One active path and a backup subflow standing by: healthy.
            case backupStandby = "backup_standby"
            /// One path where this side's configuration would give more.
            case singlePath = "single_path"
            /// One path on the passive side: the peer opens subflows, this side only accepts.
            case peerDecides = "peer_decides"
            /// Plain TCP: MPTCP was not negotiated, or was given up.
            case fallback
        }
        public var kind: Kind
        /// What explains it (`no_subflow_endpoint`, `subflows_closed`, …); "" when nothing needs explaining.
        public var reason: String
        /// The object at fault: an endpoint, an interface, a peer address.
        public var object: String?
        public var explanation: String
        public var evidence: [Evidence]
        /// Whether an operator should act (a warning in the report).
        public var needsAction: Bool

        public init(kind: Kind, reason: String, object: String?, explanation: String, evidence: [Evidence], needsAction: Bool = false) {
            self.kind = kind
            self.reason = reason
            self.object = object
            self.explanation = explanation
            self.evidence = evidence
            self.needsAction = needsAction
        }
    }
}

/// The verdict of every connection (``Report/Verdict``). A connection is on
/// the passive side when a listener of its namespace has its local port.
public enum Verdicts {
    static let unexplained = "unexplained"

    public static func evaluate(_ input: FindingRules.Input) -> [String: Report.Verdict] {
        var verdicts: [String: Report.Verdict] = [:]
        forEach(input) { connection, verdict in verdicts[connection.tokenHex] = verdict }
        return verdicts
    }

    /// How many connections have each (kind, reason), and how many need
    /// action: what `/metrics` serves, without keying every verdict by token.
    public struct Tally: Sendable {
        public struct Key: Hashable, Sendable {
            public var kind: Report.Verdict.Kind
            public var reason: String
        }
        public var byVerdict: [Key: UInt64] = [:]
        public var needingAction: UInt64 = 0
    }

    public static func tally(_ input: FindingRules.Input) -> Tally {
        var tally = Tally()
        forEach(input) { _, verdict in
            tally.byVerdict[Tally.Key(kind: verdict.kind, reason: verdict.reason), default: 0] += 1
            if verdict.needsAction { tally.needingAction += 1 }
        }
        return tally
    }

    /// The verdict of every connection, in the snapshot's order.
    public static func forEach(_ input: FindingRules.Input, _ body: (Connection, Report.Verdict) -> Void) {
        let listening = Set(input.connections.listeners.map(\.localPort))
        // Events grouped once: the live view evaluates thousands of connections a second.
        var eventsByToken: [UInt32: [PathManagerEvent]] = [:]
        for event in input.events ?? [] {
            if let token = event.token, event.kind == .subflowClosed || event.kind == .subflowEstablished { eventsByToken[token, default: []].append(event) }
        }
        var stages: [Bool: Report.Verdict] = [:]
        for connection in input.connections.connections {
            let passive = listening.contains(connection.localPort)
            if connection.isFallback {
                var verdict = stages[passive] ?? fallbackStage(passive: passive, input)
                stages[passive] = verdict
                verdict.object = "\(connection.remote)"
                body(connection, verdict)
                continue
            }
            let events = connection.token.flatMap { eventsByToken[$0] } ?? []
            body(connection, verdict(connection, passive: passive, events: events, input))
        }
    }

    static let multipath = Report.Verdict(kind: .multipath, reason: "", object: nil,
                                          explanation: "Two or more active subflows (listed with the connection).", evidence: [])

    static func verdict(_ connection: Connection, passive: Bool, events: [PathManagerEvent], _ input: FindingRules.Input) -> Report.Verdict {
        if connection.isFallback {
            var stage = fallbackStage(passive: passive, input)
            stage.object = "\(connection.remote)"
            return stage
        }
        // The common case first, counted without building anything: two
        // active established subflows and no event for this connection.
        if events.isEmpty {
            var activeUp = 0
            for subflow in connection.subflows where !Self.handshaking(subflow) && subflow.isBackup != true { activeUp += 1 }
            if activeUp >= 2 { return Self.multipath }
        }
        // A join still in SYN_SENT (or SYN_RECV) carries nothing yet: only established subflows are paths.
        let up = connection.subflows.filter { !Self.handshaking($0) }
        let active = up.filter { $0.isBackup != true }
        let refused = subflowCloses(events).filter { !$0.wasEstablished && $0.error != nil }
        if !passive, let unreachable = unreachableJoin(refused, input) {
            return unreachable
        }
        if !passive, !refused.isEmpty {
            let peers = Set(refused.map(\.destination)).sorted().joined(separator: ", ")
            return Report.Verdict(kind: active.count >= 2 ? .multipath : .singlePath, reason: "joins_refused", object: peers,
                explanation: "\(refused.count) join(s) to \(peers) failed (\(Set(refused.compactMap(\.error)).sorted().joined(separator: ", "))) and the path manager does not retry them: the peer announced an address it does not accept connections on, or a firewall rejects joins there. The connection runs on \(up.count) subflow(s).",
                evidence: refused.map { text("sub_closed \($0.path)", $0.error ?? "") } + [input.evidence("MPJoinSynTx"), input.evidence("MPJoinSynAckRx")].compactMap { $0 },
                needsAction: true)
        }
        let backups = up.filter { $0.isBackup == true }
        if active.count >= 2 {
            // The common case, made for every connection at every scrape: no string built.
            return Self.multipath
        }
        if !backups.isEmpty {
            return Report.Verdict(kind: .backupStandby, reason: "backup", object: interfaces(backups),
                explanation: "Backup subflow on \(interfaces(backups)) standing by: it carries data only when the active path fails. Healthy.",
                evidence: backups.map { text("backup subflow", "\($0.localEndpoint) -> \($0.remoteEndpoint)") })
        }
        return passive ? passiveSinglePath(connection, input) : activeSinglePath(connection, events: events, input)
    }

    /// A join that failed with EHOSTUNREACH from an endpoint whose device no
    /// table routes the peer through: the kernel guessed the peer is on that
    /// link, asked for it there (ARP) and nobody answered.
    static func unreachableJoin(_ refused: [SubflowClose], _ input: FindingRules.Input) -> Report.Verdict? {
        for close in refused where close.error?.hasPrefix("EHOSTUNREACH") == true {
            guard let endpoint = input.endpoints?.first(where: { $0.has("subflow") && $0.address.map { "\($0)" } == close.source }),
                  let guess = kernelRoutes(endpoint, to: close.destination, input).first(where: \.assumedOnLink) else { continue }
            return Report.Verdict(kind: .singlePath, reason: "endpoint_no_route", object: describe(endpoint),
                explanation: "Subflow endpoint \(describe(endpoint)) has no route to the peer \(close.destination) through \(guess.boundDevice ?? "its device"): the kernel assumed the peer is on that link, asked for it there (ARP), nobody answered, and the join failed with EHOSTUNREACH. The path manager does not retry it.",
                evidence: [text(guess.command, guess.outcome), text("sub_closed \(close.path)", close.error ?? "")],
                needsAction: true)
        }
        return nil
    }

    // MARK: One path on the side that opened the connection

    static func activeSinglePath(_ connection: Connection, events: [PathManagerEvent], _ input: FindingRules.Input) -> Report.Verdict {
        func single(_ reason: String, _ object: String?, _ explanation: String, _ evidence: [Report.Evidence?]) -> Report.Verdict {
            Report.Verdict(kind: .singlePath, reason: reason, object: object, explanation: explanation,
                           evidence: evidence.compactMap { $0 }, needsAction: reason != unexplained)
        }
        let closes = subflowCloses(events).filter(\.wasEstablished)
        let opened = connection.info?.subflowsTotal.map(Int.init)
        if (opened ?? 0) > connection.subflows.count || !closes.isEmpty {
            let errors = closes.compactMap { close in close.error.map { "\(close.path): \($0)" } }
            return single("subflows_closed", closes.first?.path,
                "\(max((opened ?? 0) - connection.subflows.count, closes.count)) subflow(s) of this connection were opened and closed\(errors.isEmpty ? "" : " with an error") and not re-created: the in-kernel path manager does not retry. New connections get them again; this one only if the endpoint is deleted and added again (ip mptcp endpoint delete id N; ip mptcp endpoint add …).",
                [opened.map { text("mptcpi_subflows_total", String($0)) }] + closes.map { text("sub_closed \($0.path)", $0.error ?? "closed") })
        }
        if input.sysctls.pathManager == "userspace" {
            return single("userspace_pm_idle", "net.mptcp.path_manager",
                "The path manager is userspace: the kernel opens no subflow by itself, and no daemon (mptcpd or the application) created one for this connection.",
                [text("net.mptcp.path_manager", "userspace"), input.evidence("MPJoinSynTx")])
        }
        if let limit = input.limits?.subflows, limit == 0 {
            return single("subflow_limit_zero", "ip mptcp limits",
                "The subflow limit is 0: the path manager creates and accepts no additional subflow.",
                [text("ip mptcp limits subflow", "0")])
        }
        guard let endpoints = input.endpoints else {
            return single(unexplained, nil, "The path manager could not be read: nothing tells why this connection has one path.", [])
        }
        let usable = endpoints.filter { $0.has("subflow") && $0.address.map { $0.family == connection.local.family && $0 != connection.local } == true }
        let announced = Int(connection.info?.addAddrAccepted ?? 0)
        if usable.isEmpty && announced == 0 {
            if input.limits?.addAddrAccepted == 0, input.nonzero("AddAddr") {
                return single("announcements_not_accepted", "ip mptcp limits",
                    "No subflow endpoint of this family here, and the addresses peers announce are ignored (add_addr_accepted 0).",
                    [text("ip mptcp limits add_addr_accepted", "0"), input.evidence("AddAddr")])
            }
            let otherFamily = endpoints.filter { $0.has("subflow") && $0.address?.family != connection.local.family }
            return single("no_subflow_endpoint", nil,
                "No endpoint with the subflow flag can add a path to this \(familyName(connection.local)) connection\(otherFamily.isEmpty ? "" : " (the subflow endpoints here are of the other family)"), and the peer announced no address.",
                [text("subflow endpoints of this family", "0"), text("addresses announced to this connection", "0")])
        }
        let peer = "\(connection.remote)"
        for endpoint in usable {
            let checks = kernelRoutes(endpoint, to: peer, input)
            if !checks.isEmpty, checks.allSatisfy({ $0.interface == nil }) {
                return single("endpoint_no_route", describe(endpoint),
                    "Subflow endpoint \(describe(endpoint)) has no route to the peer \(peer): its join cannot leave.",
                    checks.map { text($0.command, $0.outcome) })
            }
        }
        let pending = connection.subflows.filter(Self.handshaking)
        if let join = pending.first, let device = join.interface, join.local.family == IPAddress.inet,
           let strict = strictReversePath(device, input) {
            return single("rp_filter_strict", device,
                "The join from \(join.local) to \(join.remote) on \(device) has had no answer, and \(device) filters reverse paths strictly: its SYN+ACK arrives on \(device) from an address the main table routes elsewhere, and is dropped.",
                strict + [text("subflow \(join.localEndpoint) -> \(join.remoteEndpoint)", TCPState.name(join.state))])
        }
        // A join waiting on a device no table routes the peer through: the
        // kernel guessed the peer is on that link, and nothing answered there.
        for join in pending {
            guard let endpoint = usable.first(where: { $0.address == join.local }) else { continue }
            let guesses = kernelRoutes(endpoint, to: "\(join.remote)", input).filter(\.assumedOnLink)
            guard let guess = guesses.first else { continue }
            return single("endpoint_no_route", describe(endpoint),
                "Subflow endpoint \(describe(endpoint)) has no route to the peer \(join.remote) through \(guess.boundDevice ?? "its device"): the kernel assumes the peer is on that link and asks for it there (ARP); nothing answers, so the join waits in \(TCPState.name(join.state)).",
                [text(guess.command, guess.outcome), text("subflow \(join.localEndpoint) -> \(join.remoteEndpoint)", TCPState.name(join.state))])
        }
        if !pending.isEmpty {
            return single("joins_unanswered", "\(pending[0].local) -> \(pending[0].remote)",
                "The join from \(pending[0].local) to \(pending[0].remote) has had no answer (its subflow is still in \(TCPState.name(pending[0].state))): the peer or a firewall on that path drops it.",
                pending.map { text("subflow \($0.localEndpoint) -> \($0.remoteEndpoint)", TCPState.name($0.state)) }
                    + [input.evidence("MPJoinSynTx"), input.evidence("MPJoinSynAckRx")])
        }
        let sent = input.change("MPJoinSynTx"), answered = input.change("MPJoinSynAckRx")
        if input.total("MPJoinSynTx") == nil {
            // Some kernels (6.1) do not count joins sent: say what cannot be told.
            return single(unexplained, nil,
                "Subflow endpoints exist and nothing recorded explains the single path. This kernel has no MPJoinSynTx counter, so it cannot tell whether joins were sent and went unanswered; ip mptcp monitor (sub_established, sub_closed) shows what happens to them.",
                usable.map { text("endpoint", describe($0)) })
        }
        if sent > answered {
            return single("joins_unanswered", peer,
                "Joins were sent but not all were answered (MP_JOIN SYN+ACK): the peer or a firewall on the second path drops them.",
                [input.evidence("MPJoinSynTx"), input.evidence("MPJoinSynAckRx")])
        }
        return single(unexplained, nil,
            "Subflow endpoints exist and nothing recorded explains the single path: the join may still be under way.",
            usable.map { text("endpoint", describe($0)) })
    }

    // MARK: One path on the side that accepted the connection

    static func passiveSinglePath(_ connection: Connection, _ input: FindingRules.Input) -> Report.Verdict {
        if let limit = input.limits?.subflows, limit == 0 {
            return Report.Verdict(kind: .singlePath, reason: "subflow_limit_zero", object: "ip mptcp limits",
                explanation: "The subflow limit is 0: joins from the peer are refused.",
                evidence: [text("ip mptcp limits subflow", "0"), input.evidence("MPJoinRejected")].compactMap { $0 }, needsAction: true)
        }
        let signals = (input.endpoints ?? []).filter { $0.has("signal") }
        return Report.Verdict(kind: .peerDecides, reason: "peer_opened_no_subflow", object: "\(connection.remote)",
            explanation: "Accepted here: the peer opens the subflows, and opened none\(signals.isEmpty ? "" : " (this side announces \(signals.map(describe).joined(separator: ", ")))"). Look at the peer's configuration.",
            evidence: signals.map { text("signal endpoint", describe($0)) })
    }

    // MARK: Fallback

    /// The fallback stage of one side: the same for every connection of the
    /// evaluation (it comes from the counters), so it is found once per side.
    static func fallbackStage(passive: Bool, _ input: FindingRules.Input) -> Report.Verdict {
        // The stage, from the counters that say it (most specific first);
        // the 6.17+ counters tell fallbacks after the handshake apart.
        let afterHandshake = [
            ("MPCapableDataFallback", "data_fallback", "the first data lacked the MPTCP mapping: the peer or a middlebox"),
            ("DssFallback", "dss_fallback", "a data mapping (DSS) was invalid after the handshake"),
        ]
        let stages: [(String, String, String)] = passive ? [
            ("MPCapableFallbackACK", "handshake_third_ack", "the third ACK came without MP_CAPABLE (a middlebox in the handshake)"),
        ] + afterHandshake : [
            ("MPCapableSYNTXDisabled", "blackhole", "MPTCP was disabled for new connections after a blackhole was detected (net.mptcp.blackhole_timeout)"),
            ("MPCapableSYNTXDrop", "syn_dropped", "SYNs with MP_CAPABLE got no answer and the kernel retried without MPTCP: a firewall drops the option"),
            ("MPCapableFallbackSYNACK", "syn_ack_without_mp_capable", "the SYN+ACK came back without MP_CAPABLE: the server does not speak MPTCP, or a middlebox strips the option"),
        ] + afterHandshake + [
            ("MD5SigFallback", "md5sig", "TCP MD5 signatures are in use, which MPTCP cannot carry"),
            ("SimultConnectFallback", "simultaneous_connect", "a simultaneous connect, which MPTCP does not support"),
        ]
        // A counter that moved during the report's interval names the stage;
        // else one that ever moved, said as the likely one.
        if let (counter, reason, explanation) = stages.first(where: { input.change($0.0) > 0 }) {
            return Report.Verdict(kind: .fallback, reason: reason, object: nil,
                                  explanation: "Runs as plain TCP: \(explanation).", evidence: [input.evidence(counter)].compactMap { $0 })
        }
        if let (counter, reason, explanation) = stages.first(where: { input.nonzero($0.0) }) {
            return Report.Verdict(kind: .fallback, reason: reason, object: nil,
                                  explanation: "Runs as plain TCP; most likely \(explanation) (the counter moved before this report's interval).",
                                  evidence: [input.evidence(counter)].compactMap { $0 })
        }
        return Report.Verdict(kind: .fallback, reason: "unknown_stage", object: nil,
                              explanation: "Runs as plain TCP; no counter of this kernel says at which stage.", evidence: [])
    }

    // MARK: Helpers

    struct SubflowClose {
        var path: String
        var source: String
        var destination: String
        var error: String?
        /// A `sub_established` for the same ports came first: a working subflow that closed, not a refused join.
        var wasEstablished: Bool
    }

    /// `sub_closed` events of one connection (its `sub_*` events), with their errno names.
    static func subflowCloses(_ events: [PathManagerEvent]) -> [SubflowClose] {
        func ports(_ event: PathManagerEvent) -> [UInt16?] { [event.sourcePort, event.destinationPort] }
        return events.filter { $0.kind == .subflowClosed }.map { event in
            let destination = event.destination.map { "\($0)" } ?? "?"
            let established = events.contains { $0.kind == .subflowEstablished && ports($0) == ports(event) }
            // The errno, and the MP_RST reason when the subflow was reset with one.
            var error = event.error.flatMap { $0 == 0 ? nil : ErrnoNames.name(Int32($0)) }
            if let reason = event.resetReason, reason != 0 {
                error = (error.map { $0 + ", " } ?? "") + "MP_RST " + PathManagerEvent.resetReasonName(reason)
            }
            let source = event.source.map { "\($0)" } ?? "?"
            return SubflowClose(path: "\(source) -> \(destination)", source: source, destination: destination,
                                error: error, wasEstablished: established)
        }
    }

    /// The evidence that `device` filters reverse paths strictly (the
    /// larger of its rp_filter and `all` is 1), or nil.
    static func strictReversePath(_ device: String, _ input: FindingRules.Input) -> [Report.Evidence]? {
        let own = input.rpFilter[device], all = input.rpFilter["all"]
        guard max(own ?? 0, all ?? 0) == 1 else { return nil }
        return [text("net.ipv4.conf.\(device).rp_filter", own.map(String.init) ?? "?"),
                text("net.ipv4.conf.all.rp_filter", all.map(String.init) ?? "?")]
    }

    /// The route lookups that answer as the kernel does for a subflow from
    /// `endpoint`: bound to its `dev` when it has one, by source address alone
    /// when not. `destination` nil: every destination looked up.
    static func kernelRoutes(_ endpoint: Endpoint, to destination: String? = nil, _ input: FindingRules.Input) -> [RouteCheck] {
        input.routeChecks.filter {
            $0.endpointID == endpoint.id && (destination == nil || $0.destination == destination)
                && ($0.boundDevice != nil) == (endpoint.interfaceIndex > 0)
        }
    }

    /// An endpoint's device: its `dev`, else the interface holding its address.
    static func device(of endpoint: Endpoint, _ input: FindingRules.Input) -> String? {
        if endpoint.interfaceIndex > 0, let name = input.interfaces.namesByIndex[UInt32(endpoint.interfaceIndex)] { return name }
        return input.interfaces.entries.first { $0.address == endpoint.address }?.name
    }

    /// TCP_SYN_SENT (2) or TCP_SYN_RECV (3).
    static func handshaking(_ subflow: Subflow) -> Bool { subflow.state == 2 || subflow.state == 3 }

    static func describe(_ endpoint: Endpoint) -> String {
        "id \(endpoint.id) \(endpoint.address.map { "\($0)" } ?? "")\(endpoint.interfaceName.map { " dev \($0)" } ?? "")"
    }

    static func interfaces(_ subflows: [Subflow]) -> String {
        subflows.map { $0.interface ?? "\($0.local)" }.joined(separator: ", ")
    }

    static func familyName(_ address: IPAddress) -> String { address.family == IPAddress.inet6 ? "IPv6" : "IPv4" }

    static func text(_ name: String, _ value: String) -> Report.Evidence { Report.Evidence(name: name, value: value, change: nil) }
}

extension FindingRules.Input {
    /// What the live views (`mptcp-top`, `/api/v1/snapshot`, `/metrics`)
    /// judge connections with: one reading of the state, no interval (the
    /// counters are totals) and no route lookup.
    public static func live(netstat: NetstatTable, sysctls: MPTCPSysctls?, endpoints: [Endpoint]?, limits: PathManagerLimits?,
                            connections: ConnectionSnapshot, events: [PathManagerEvent]?) -> FindingRules.Input {
        FindingRules.Input(first: netstat, second: netstat, sysctls: sysctls ?? MPTCPSysctls(), endpoints: endpoints, limits: limits,
                           connections: connections, routeChecks: [], interval: 0, events: events)
    }
}
