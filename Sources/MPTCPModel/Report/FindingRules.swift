import MPTCPWire
/// Rule-based checks of a host's MPTCP state. Each finding carries the
/// numbers that triggered it, what it probably means (chapter 2.4 of the
/// reference document and the kernel's semantics) and what to do. A rule
/// fires only on evidence: on a healthy host, none does.
public enum FindingRules {
    public struct Input: Sendable {
        public var first: NetstatTable
        public var second: NetstatTable
        public var sysctls: MPTCPSysctls
        /// nil when the path manager could not be read.
        public var endpoints: [Endpoint]?
        public var limits: PathManagerLimits?
        public var connections: ConnectionSnapshot
        public var routeChecks: [RouteCheck]
        public var interval: Double
        /// What could not be read, one line each: a finding of its own, first.
        public var collectionErrors: [String]
        /// Path-manager events of the interval; nil when they could not be listened to.
        public var events: [PathManagerEvent]?
        /// `net.ipv4.conf.<name>.rp_filter` by interface and `all` (empty: not read).
        public var rpFilter: [String: Int] = [:]
        /// The namespace's interfaces (addresses, names by index).
        public var interfaces = InterfaceTable()
        /// The kernel release (`uname -r`), for what depends on the version.
        public var kernel = ""

        public init(first: NetstatTable, second: NetstatTable, sysctls: MPTCPSysctls, endpoints: [Endpoint]?,
                    limits: PathManagerLimits?, connections: ConnectionSnapshot, routeChecks: [RouteCheck], interval: Double,
                    collectionErrors: [String] = [], events: [PathManagerEvent]? = nil) {
            self.collectionErrors = collectionErrors
            self.events = events
            self.first = first
            self.second = second
            self.sysctls = sysctls
            self.endpoints = endpoints
            self.limits = limits
            self.connections = connections
            self.routeChecks = routeChecks
            self.interval = interval
        }

        /// Total since boot (second sample), nil when the kernel lacks the counter.
        func total(_ name: String, _ section: String = "MPTcpExt") -> UInt64? { second[section, name] }
        /// Change over the interval (0 after a reset).
        func change(_ name: String, _ section: String = "MPTcpExt") -> UInt64 {
            guard let now = second[section, name], let before = first[section, name] else { return 0 }
            return now >= before ? now - before : now
        }
        func nonzero(_ name: String) -> Bool { (total(name) ?? 0) > 0 }
        func evidence(_ name: String, _ section: String = "MPTcpExt") -> Report.Evidence? {
            guard let value = total(name, section) else { return nil }
            let label = section == "MPTcpExt" ? name : section + name
            return Report.Evidence(name: label, value: String(value), change: "+\(change(name, section))")
        }
    }

    public static func evaluate(_ input: Input) -> [Report.Finding] {
        evaluate(input, verdicts: Verdicts.evaluate(input))
    }

    /// The findings, with the connections' verdicts (``Verdicts``) already made.
    public static func evaluate(_ input: Input, verdicts: [String: Report.Verdict]) -> [Report.Finding] {
        var found = FindingList()
        connectionVerdicts(verdicts, into: &found)
        configuration(input, explained: Set(verdicts.values.filter(\.needsAction).map(\.reason)), into: &found)
        handshake(input, into: &found)
        joins(input, into: &found)
        dataAndTermination(input, into: &found)
        kernelEvidence(input, into: &found)
        return incomplete(input) + found.findings.sorted { ($0.severity, $0.id) < ($1.severity, $1.id) }
    }

    /// The findings of one evaluation, as the rules add them.
    struct FindingList {
        var findings: [Report.Finding] = []
        mutating func add(_ id: String, _ severity: Report.Finding.Severity, _ title: String, _ evidence: [Report.Evidence?],
                          meaning: String, action: String) {
            findings.append(Report.Finding(id: id, severity: severity, title: title, evidence: evidence.compactMap { $0 },
                                           meaning: meaning, action: action))
        }
    }

    /// Connections with fewer paths than their configuration gives them, one
    /// finding per cause and object; backup paths standing by and passive
    /// connections whose peer opened nothing, said without a warning.
    static func connectionVerdicts(_ verdicts: [String: Report.Verdict], into found: inout FindingList) {
        let grouped = Dictionary(grouping: verdicts.sorted { $0.key < $1.key }) { "\($0.value.reason)|\($0.value.object ?? "")" }
        for (_, members) in grouped.sorted(by: { $0.key < $1.key }) {
            let verdict = members[0].value
            let tokens = members.map(\.key)
            let listed = Report.Evidence(name: "connections", value: tokens.prefix(8).joined(separator: " ") + (tokens.count > 8 ? " …" : ""),
                                         change: nil)
            let count = tokens.count == 1 ? "1 connection" : "\(tokens.count) connections"
            if verdict.needsAction {
                found.add("path_\(verdict.reason)", .warning, "\(count) \(verdictTitles[verdict.reason] ?? verdict.reason)\(verdict.object.map { ": \($0)" } ?? "")",
                          [listed] + verdict.evidence, meaning: verdict.explanation, action: verdictActions[verdict.reason] ?? "")
            } else if verdict.kind == .backupStandby || verdict.kind == .peerDecides || (verdict.kind == .singlePath && verdict.reason == Verdicts.unexplained) {
                found.add("path_\(verdict.reason)", .info, "\(count) \(verdictTitles[verdict.reason] ?? verdict.reason)\(verdict.object.map { ": \($0)" } ?? "")",
                          [listed] + verdict.evidence, meaning: verdict.explanation, action: verdictActions[verdict.reason] ?? "Nothing to do.")
            }
        }
    }

    static let verdictTitles = [
        "subflows_closed": "lost subflows that were not re-created",
        "joins_refused": "had joins refused",
        "userspace_pm_idle": "use one path: the userspace path manager creates no subflow",
        "subflow_limit_zero": "use one path: the subflow limit is 0",
        "no_subflow_endpoint": "use one path: no endpoint can add one",
        "announcements_not_accepted": "use one path: announced addresses are ignored",
        "endpoint_no_route": "use one path: the subflow endpoint has no route to the peer",
        "joins_unanswered": "use one path: joins got no answer",
        "rp_filter_strict": "use one path: strict reverse-path filtering drops the join's answers",
        "backup": "have a backup path standing by",
        "peer_opened_no_subflow": "accepted here use one path: the peer opened no subflow",
        Verdicts.unexplained: "use one path without a recorded cause",
    ]

    static let verdictActions = [
        "subflows_closed": "Find why they closed (the error above; ip mptcp monitor shows sub_closed with its error). The in-kernel path manager re-creates nothing: reconnect, or delete and add the endpoint again (ip mptcp endpoint delete id N; ip mptcp endpoint add ADDRESS dev IFACE subflow).",
        "joins_refused": "Check that the peer accepts connections on the address it announces (its signal endpoints need a listener there, or a port), or the firewall on that path.",
        "userspace_pm_idle": "Start the daemon that drives the userspace path manager (mptcpd), or set net.mptcp.path_manager=kernel (net.mptcp.pm_type=0 before 6.15) to use the kernel's endpoints.",
        "subflow_limit_zero": "ip mptcp limits set subflow N (N = extra paths wanted, e.g. 2).",
        "no_subflow_endpoint": "Add an endpoint per extra interface: ip mptcp endpoint add ADDRESS dev IFACE subflow; or have the peer announce addresses (signal endpoints) and accept them here (ip mptcp limits set add_addr_accepted N).",
        "announcements_not_accepted": "ip mptcp limits set add_addr_accepted N.",
        "endpoint_no_route": "Add a route from that address, usually with policy routing: ip rule add from ADDRESS table N; ip route add default via GATEWAY dev IFACE table N.",
        "joins_unanswered": "Capture MP_JOIN SYNs on the second path: a firewall that drops TCP option 30, or a peer that does not answer there.",
        "rp_filter_strict": "sysctl -w net.ipv4.conf.IFACE.rp_filter=2 (loose; net.ipv4.conf.all.rp_filter counts too, the larger applies), or route the endpoint's address through its interface (ip rule add from ADDRESS table N).",
    ]

    /// Configuration: MPTCP disabled, no endpoint that can add a subflow, limits of 0, endpoints without a route.
    /// `explained`: causes a connection's verdict already names (not said twice).
    static func configuration(_ input: Input, explained: Set<String>, into found: inout FindingList) {
        func nonzero(_ name: String) -> Bool { input.nonzero(name) }
        func text(_ name: String, _ value: String) -> Report.Evidence { Report.Evidence(name: name, value: value, change: nil) }
        if input.sysctls.enabled == false {
            found.add("mptcp_disabled", .critical, "MPTCP is disabled", [text("net.mptcp.enabled", "0")],
                meaning: "No MPTCP socket can be created in this network namespace: applications asking for MPTCP get plain TCP or an error.",
                action: "sysctl -w net.mptcp.enabled=1, and persist it in /etc/sysctl.d, unless it was disabled on purpose.")
        }
        if let endpoints = input.endpoints {
            let extra = endpoints.filter { $0.has("subflow") || $0.has("signal") }
            // Only on a host that uses MPTCP: an unused one has nothing to gain.
            let usesMPTCP = (input.total("MPCapableSYNTX") ?? 0) > 0 || (input.total("MPCapableSYNRX") ?? 0) > 0
                || !input.connections.connections.isEmpty
            if usesMPTCP, extra.isEmpty, (input.total("MPJoinSynRx") ?? 0) == 0, (input.total("MPJoinSynTx") ?? 0) == 0,
               explained.isDisjoint(with: ["no_subflow_endpoint", "announcements_not_accepted"]) {
                found.add("no_extra_subflows", .warning, "No extra subflow can ever be created",
                    [text("endpoints", String(endpoints.count)), text("endpoints with subflow or signal", "0"),
                     input.evidence("MPJoinSynTx"), input.evidence("MPJoinSynRx")],
                    meaning: "No path-manager endpoint has the subflow or signal flag, so this host never opens nor announces another path, and no peer has joined one: every MPTCP connection uses a single path.",
                    action: "Add an endpoint per extra interface: ip mptcp endpoint add ADDRESS dev IFACE subflow (client side) or signal (server side), and check ip mptcp limits.")
            }
        }
        if let subflows = input.limits?.subflows, subflows == 0, !explained.contains("subflow_limit_zero") {
            found.add("limits_zero", .warning, "The subflow limit is 0", [text("ip mptcp limits subflow", "0"), input.evidence("MPJoinRejected")],
                meaning: "The path manager accepts and creates no additional subflow: connections stay on their initial path whatever the endpoints.",
                action: "ip mptcp limits set subflow N (N = extra paths wanted, e.g. 2).")
        }
        if let accepted = input.limits?.addAddrAccepted, accepted == 0, nonzero("AddAddr"), !explained.contains("announcements_not_accepted") {
            found.add("add_addr_ignored", .info, "Addresses announced by peers are ignored",
                [text("ip mptcp limits add_addr_accepted", "0"), input.evidence("AddAddr")],
                meaning: "Peers announced addresses (ADD_ADDR) but add_addr_accepted is 0, so no subflow is opened towards them.",
                action: "ip mptcp limits set add_addr_accepted N if subflows to announced addresses are wanted.")
        }
        hostConfiguration(input, explained: explained, into: &found)
        let failedRoutes = (input.endpoints ?? []).map { ($0.id, Verdicts.kernelRoutes($0, input)) }.filter { _, checks in
            !checks.isEmpty && checks.allSatisfy { $0.interface == nil }
        }
        for (id, checks) in failedRoutes.sorted(by: { $0.0 < $1.0 }) where !explained.contains("endpoint_no_route") {
            found.add("endpoint_without_route", .warning, "Subflow endpoint \(checks[0].source) has no route",
                checks.map { text($0.command, $0.outcome) } + [input.evidence("MPJoinSynTxConnectErr")],
                meaning: "The kernel finds no route from endpoint id \(id)'s address: subflows from it fail at connect() (MPJoinSynTxConnectErr) or never leave.",
                action: "Add a route for that source, usually with policy routing: ip rule add from ADDRESS table N; ip route add default via GATEWAY dev IFACE table N.")
        }
    }

    /// What an MPTCP expert checks on a multi-homed host: strict reverse-path
    /// filtering where subflows arrive on an interface the main table does
    /// not route back through, subflow endpoints without a device, more
    /// subflow endpoints than the limit lets a connection use.
    static func hostConfiguration(_ input: Input, explained: Set<String>, into found: inout FindingList) {
        func text(_ name: String, _ value: String) -> Report.Evidence { Report.Evidence(name: name, value: value, change: nil) }
        guard let endpoints = input.endpoints else { return }
        let subflowEndpoints = endpoints.filter { $0.has("subflow") }
        for endpoint in subflowEndpoints {
            guard let device = Verdicts.device(of: endpoint, input), endpoint.address?.family == IPAddress.inet,
                  let strict = Verdicts.strictReversePath(device, input), !explained.contains("rp_filter_strict") else { continue }
            // Evidence that replies on this device fail the check: the route from the endpoint's address leaves elsewhere.
            // The reverse-path check looks up by address, bound to no device.
            let elsewhere = input.routeChecks.filter {
                $0.endpointID == endpoint.id && $0.boundDevice == nil && $0.interface != nil && $0.interface != device
            }
            guard !elsewhere.isEmpty else { continue }
            found.add("rp_filter_strict", .warning, "Strict reverse-path filtering on \(device) drops its subflows' packets",
                strict + elsewhere.map { text($0.command, $0.outcome) },
                meaning: "Subflow endpoint \(Verdicts.describe(endpoint)) uses \(device), but the routes from its address leave by another interface: packets of its subflows arriving on \(device) fail the strict rp_filter check and are dropped, so the joins never complete.",
                action: "sysctl -w net.ipv4.conf.\(device).rp_filter=2 (loose; also check net.ipv4.conf.all.rp_filter, the larger applies), or route the endpoint's address through \(device) (ip rule add from ADDRESS table N).")
        }
        let namedInterfaces = Set(input.interfaces.entries.filter { $0.name != "lo" && $0.address.bytes.first != 127 }.map(\.name))
        let withoutDevice = subflowEndpoints.filter { $0.interfaceIndex == 0 }
        if namedInterfaces.count >= 2, !withoutDevice.isEmpty {
            found.add("endpoint_without_dev", .info, "Subflow endpoints without a device on a multi-homed host",
                withoutDevice.map { text("endpoint", Verdicts.describe($0)) } + [text("interfaces with addresses", namedInterfaces.sorted().joined(separator: " "))],
                meaning: "Without `dev`, a subflow from the endpoint is not bound to its interface and leaves by whatever route the routing table picks for the peer, often the first path's interface.",
                action: "Re-add the endpoint with its device: ip mptcp endpoint delete id N; ip mptcp endpoint add ADDRESS dev IFACE subflow.")
        }
        if let limit = input.limits?.subflows, limit > 0 {
            for family in [IPAddress.inet, IPAddress.inet6] {
                let ofFamily = subflowEndpoints.filter { $0.address?.family == family }
                guard ofFamily.count > Int(limit) else { continue }
                found.add("endpoints_above_limit", .info, "More \(family == IPAddress.inet ? "IPv4" : "IPv6") subflow endpoints than the subflow limit",
                    [text("subflow endpoints", String(ofFamily.count)), text("ip mptcp limits subflow", String(limit))],
                    meaning: "A connection gets at most \(limit) additional subflow(s): \(ofFamily.count - Int(limit)) of the \(ofFamily.count) endpoints will not be used by it.",
                    action: "ip mptcp limits set subflow \(ofFamily.count) if every endpoint should add a path.")
            }
        }
    }

    /// MP_CAPABLE: fallbacks of active and passive opens, dropped SYNs, blackholes.
    static func handshake(_ input: Input, into found: inout FindingList) {
        func nonzero(_ name: String) -> Bool { input.nonzero(name) }
        func text(_ name: String, _ value: String) -> Report.Evidence { Report.Evidence(name: name, value: value, change: nil) }
        let attempts = input.change("MPCapableSYNTX") > 0 ? input.change("MPCapableSYNTX") : (input.total("MPCapableSYNTX") ?? 0)
        let fellBack = input.change("MPCapableSYNTX") > 0 ? input.change("MPCapableFallbackSYNACK") : (input.total("MPCapableFallbackSYNACK") ?? 0)
        if fellBack > 0, attempts > 0, Double(fellBack) / Double(attempts) >= 0.1 || fellBack >= 10 {
            let ratio = Double(fellBack) / Double(attempts)
            found.add("active_open_fallback", ratio >= 0.5 ? .warning : .info,
                "\(percent(ratio)) of MPTCP connections opened here fell back to TCP",
                [input.evidence("MPCapableSYNTX"), input.evidence("MPCapableFallbackSYNACK"), input.evidence("MPCapableSYNACKRX"),
                 input.evidence("ActiveOpens", "Tcp")],
                meaning: "The SYN+ACK came back without MP_CAPABLE: the server does not support MPTCP, or a middlebox on the path strips the option. Those connections run as plain TCP on one path.",
                action: "List which destinations fall back (mptcp-exporter connections; FALLBACK marks them). If they should speak MPTCP, compare a capture of the SYN+ACK near the server and near this host to find the middlebox.")
        }
        if nonzero("MPCapableFallbackACK") {
            found.add("passive_fallback_third_ack", .warning, "Connections accepted here fell back on the third ACK",
                [input.evidence("MPCapableFallbackACK"), input.evidence("MPCapableSYNRX"), input.evidence("MPCapableACKRX")],
                meaning: "The third ACK of the handshake arrived without MP_CAPABLE: probably a middlebox injecting or rewriting ACKs during the handshake (reference document, 2.4.1).",
                action: "Capture handshakes from affected clients on both sides of the suspected middlebox.")
        }
        if nonzero("MPCapableSYNTXDrop") {
            found.add("syn_drops", .warning, "MPTCP SYNs are being dropped",
                [input.evidence("MPCapableSYNTXDrop"), input.evidence("MPCapableSYNTX"), text("net.mptcp.syn_retrans_before_tcp_fallback", input.sysctls.numbers["syn_retrans_before_tcp_fallback"].map(String.init) ?? "?")],
                meaning: "SYNs carrying MP_CAPABLE got no answer and were retried without MPTCP: a firewall drops packets with unknown TCP options.",
                action: "Find the firewall (destinations of the affected connections) and allow TCP option 30 (MPTCP).")
        }
        if nonzero("MPCapableSYNTXDisabled") || nonzero("Blackhole") {
            found.add("blackhole", .warning, "A blackhole disabled active MPTCP",
                [input.evidence("Blackhole"), input.evidence("MPCapableSYNTXDisabled"),
                 text("net.mptcp.blackhole_timeout", input.sysctls.numbers["blackhole_timeout"].map(String.init) ?? "?")],
                meaning: "The kernel saw MPTCP SYNs or data silently dropped and disables active MPTCP for blackhole_timeout seconds (longer on repeats); meanwhile connections are opened as plain TCP.",
                action: "Find the firewall dropping MPTCP packets. Setting net.mptcp.blackhole_timeout=0 disables the detection, not the problem.")
        }
    }

    /// MP_JOIN: invalid HMACs, unknown tokens, rejected joins, subflows that could not be opened.
    static func joins(_ input: Input, into found: inout FindingList) {
        func nonzero(_ name: String) -> Bool { input.nonzero(name) }
        func text(_ name: String, _ value: String) -> Report.Evidence { Report.Evidence(name: name, value: value, change: nil) }
        // Counters come from strangers too (report --from): sums saturate, never trap.
        let hmac = (input.total("MPJoinAckHMacFailure") ?? 0).saturatingAdd(input.total("MPJoinSynAckHMacFailure") ?? 0)
        if hmac > 0 {
            found.add("join_hmac_failures", .critical, "MP_JOIN with an invalid HMAC",
                [input.evidence("MPJoinAckHMacFailure"), input.evidence("MPJoinSynAckHMacFailure"), input.evidence("MPJoinSynRx"), input.evidence("MPJoinNoTokenFound")],
                meaning: "A subflow tried to join a connection with a wrong HMAC: a broken peer, or an attempt to inject a subflow into someone else's connection (reference document, 2.4.2).",
                action: "Capture MP_JOIN SYNs and ACKs to identify the sources; repeated failures from one source deserve a firewall rule.")
        }
        if nonzero("MPJoinNoTokenFound") {
            let joins = input.total("MPJoinSynRx") ?? 0
            let tokens = input.total("MPJoinNoTokenFound") ?? 0
            found.add("join_unknown_token", joins > 0 && Double(tokens) / Double(joins) < 0.01 ? .info : .warning,
                "MP_JOIN for unknown connections",
                [input.evidence("MPJoinNoTokenFound"), input.evidence("MPJoinSynRx")],
                meaning: "SYNs with MP_JOIN named a token no connection has: peers joining connections that just closed, or scanning / an attack (reference document, 2.4.2).",
                action: "A few are normal after closes; a steady rate deserves a capture of MP_JOIN SYNs to find the sources.")
        }
        if nonzero("MPJoinRejected") {
            found.add("joins_rejected", .info, "The path manager rejected joins",
                [input.evidence("MPJoinRejected"), input.evidence("MPJoinSynRx"), text("ip mptcp limits subflow", input.limits?.subflows.map(String.init) ?? "?")],
                meaning: "Peers asked for more subflows than the limits allow.",
                action: "Raise ip mptcp limits subflow if more paths per connection are wanted.")
        }
        let joinErrors = ["MPJoinSynTxCreatSkErr", "MPJoinSynTxBindErr", "MPJoinSynTxConnectErr"]
        if joinErrors.contains(where: nonzero) {
            found.add("join_errors", .warning, "Subflows could not be opened",
                joinErrors.map { input.evidence($0) } + [input.evidence("MPJoinSynTx")],
                meaning: "Creating, binding or connecting a subflow socket failed: an endpoint address gone, or no route from it.",
                action: "Check that every subflow endpoint's address is still configured and routable (ip mptcp endpoint show; ip route get DEST from ADDRESS).")
        }
    }

    /// Data and termination: checksum errors, infinite mappings, stale subflows, dropped ADD_ADDR, pruned receive data.
    static func dataAndTermination(_ input: Input, into found: inout FindingList) {
        func nonzero(_ name: String) -> Bool { input.nonzero(name) }
        func text(_ name: String, _ value: String) -> Report.Evidence { Report.Evidence(name: name, value: value, change: nil) }
        if nonzero("DataCsumErr") {
            found.add("checksum_errors", .warning, "DSS checksum errors",
                [input.evidence("DataCsumErr"), input.evidence("MPFailTx"), input.evidence("MPFailRx")],
                meaning: "Payload was modified on the path (DSS checksum mismatch): a middlebox rewriting data (NAT helpers, transparent proxies). The connections fall back to TCP with MP_FAIL (reference document, 2.4.5).",
                action: "Locate the middlebox from the affected peers; disable its payload rewriting for MPTCP traffic.")
        }
        if nonzero("InfiniteMapTx") || nonzero("InfiniteMapRx") {
            found.add("infinite_mappings", .warning, "Connections fell back with an infinite mapping",
                [input.evidence("InfiniteMapTx"), input.evidence("InfiniteMapRx"), input.evidence("MPFailTx"), input.evidence("MPFailRx")],
                meaning: "After interference was detected, connections turned into plain TCP streams on one subflow (reference document, 2.4.4).",
                action: "Look for the cause in the checksum and MP_FAIL counters and in the paths of the affected connections.")
        }
        if nonzero("SubflowStale") {
            let stale = input.total("SubflowStale") ?? 0, recovered = input.total("SubflowRecover") ?? 0
            found.add("stale_subflows", stale > recovered.saturatingAdd(10) ? .warning : .info, "Subflows went stale",
                [input.evidence("SubflowStale"), input.evidence("SubflowRecover"),
                 text("net.mptcp.stale_loss_cnt", input.sysctls.numbers["stale_loss_cnt"].map(String.init) ?? "?")],
                meaning: "Subflows made no progress for stale_loss_cnt retransmission intervals and the scheduler stopped using them until they recovered: one path loses packets.",
                action: "Compare the interfaces' retransmissions (connections report, per-interface bytes) and check that path.")
        }
        if nonzero("AddAddrDrop") {
            found.add("add_addr_dropped", .warning, "ADD_ADDR dropped",
                [input.evidence("AddAddrDrop"), input.evidence("AddAddr"), text("path manager", input.sysctls.pathManager ?? "?")],
                meaning: "Address announcements from peers were not processed by the path manager: with the userspace path manager, no daemon (mptcpd) may be running; with the kernel one, add_addr_accepted may be reached.",
                action: "Start the path-manager daemon, or raise ip mptcp limits add_addr_accepted.")
        }
        if nonzero("RcvPruned") {
            found.add("receive_pruned", .warning, "Incoming MPTCP data dropped for lack of memory",
                [input.evidence("RcvPruned")],
                meaning: "Packets were dropped because MPTCP's receive memory was full (reference document, 2.4.5).",
                action: "Check net.ipv4.tcp_rmem and net.core.rmem_max and the applications' read rate.")
        }
    }

    /// What this kernel cannot tell: counters the diagnosis would read that
    /// came with later kernels (``CounterLineage``).
    static func kernelEvidence(_ input: Input, into found: inout FindingList) {
        guard let missing = CounterLineage.missingEvidence(in: input.second), !missing.isEmpty else { return }
        found.add("kernel_lacks_evidence", .info, "This kernel cannot tell \(missing.count == 1 ? "one thing" : "\(missing.count) things") the diagnosis would use",
            missing.map { Report.Evidence(name: $0.counter, value: "absent (since \($0.since)): \($0.tells)", change: nil) },
            meaning: "The kernel has no such counter, so the findings and verdicts above judge without it: a cause it would show is not ruled out.",
            action: "Nothing to fix here; a newer kernel counts these.")
    }

    /// The tool could not look: never let that read as "no finding". Critical
    /// when the counters themselves could not be read (nothing else can be
    /// judged), a warning when only a part (connections, path manager, …) failed.
    static func incomplete(_ input: Input) -> [Report.Finding] {
        guard !input.collectionErrors.isEmpty else { return [] }
        let noCounters = input.second.section("MPTcpExt") == nil && input.second.section("Tcp") == nil
        var seen = Set<String>()
        let errors = input.collectionErrors.filter { seen.insert($0).inserted }
        var evidence = errors.prefix(20).enumerated().map {
            Report.Evidence(name: "read error \($0.offset + 1)", value: $0.element, change: nil)
        }
        // 6.7 to 6.11 (without the stable fix "mptcp: no admin perm to list endpoints") refuse the endpoint dump to users without CAP_NET_ADMIN.
        if errors.contains(where: { $0.hasPrefix("path manager") && $0.contains("EPERM") }), let version = kernelVersion(input.kernel),
           version >= (6, 7), version < (6, 12) {
            evidence.append(Report.Evidence(name: "kernel \(input.kernel)",
                value: "6.7 to 6.11 refuse the endpoint dump without CAP_NET_ADMIN unless they carry the fix \"mptcp: no admin perm to list endpoints\"; run as root or with CAP_NET_ADMIN", change: nil))
        }
        return [Report.Finding(
            id: "collection_incomplete", severity: noCounters ? .critical : .warning,
            title: noCounters ? "The kernel's MPTCP data could not be read" : "Part of the kernel's MPTCP data could not be read",
            evidence: Array(evidence),
            meaning: noCounters
                ? "The counters could not be read, so nothing in this report says whether MPTCP works: no other finding is not good news."
                : "The findings below only judge what could be read; a problem in the parts named here would not show.",
            action: "Fix the read errors (a wrong --path.procfs, a missing mptcp_diag module, missing CAP_NET_ADMIN) and take the report again.")]
    }

    /// (major, minor) of a `uname -r` release such as `6.8.0-45-generic`.
    static func kernelVersion(_ release: String) -> (Int, Int)? {
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    /// `12.5%`, `100%`. Counters from a stranger's archive can make any ratio:
    /// a value no Int holds is written as the Double it is, never converted.
    package static func percent(_ ratio: Double) -> String {
        let value = (ratio * 1000).rounded() / 10
        guard value.isFinite, value.magnitude < 1e15 else { return "\(value)%" }
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}

extension UInt64 {
    /// `self + other`, or `UInt64.max` where that would overflow.
    func saturatingAdd(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
