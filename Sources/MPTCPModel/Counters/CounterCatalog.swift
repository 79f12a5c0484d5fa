/// What the exporter knows about one kernel counter: where it sits in its Case
/// diagram and what it means to an operator.
public struct CounterDescriptor: Sendable, Hashable {
    /// Section prefix: `MPTcpExt`, `Tcp`, `TcpExt`.
    public let section: String
    /// Kernel name within the section: `MPCapableSYNTX`.
    public let name: String
    public let kind: CounterKind
    /// ``CaseDiagram/id`` of the diagram it is drawn in (`other` when unknown).
    public let diagram: String
    /// Index into the diagram's ``CaseDiagram/lanes``.
    public let lane: Int
    public let role: CounterRole
    /// HELP text, without the leading nstat name.
    public let help: String

    /// The name `nstat` prints: `MPTcpExtMPCapableSYNTX`.
    public var nstatName: String { section + name }
    /// The Prometheus series name (see ``MetricNaming``).
    public var seriesName: String { MetricNaming.seriesName(prefix: section, name: name, kind: kind) }
    /// The full HELP line text: the nstat name, then the explanation.
    public var helpText: String { nstatName + ": " + help }
}

/// The one table of MPTCP counters and their Case diagrams. The exporter, the
/// terminal view and the reports all draw from it.
///
/// Placement decisions (the reference document predates 30 of these counters;
/// `../shared/docs/case-diagrams.md` leaves their place to this project):
/// - `MPCapableSYNTXDisabled` is a branch of the active-open flow taken before
///   any MP_CAPABLE SYN is sent (active MPTCP disabled after a blackhole);
///   `MPCapableSYNTXDrop` a branch after it (SYNs with MP_CAPABLE lost, retried
///   as plain TCP); `MPFallbackTokenInit` a branch of the active flow (token
///   allocation fails on connect; the passive side counts it too).
/// - `MPCapableEndpAttempt` is a branch of the passive-open flow (an MP_CAPABLE
///   SYN to a port-based signal endpoint is refused).
/// - `MPJoinRejected` branches off the accepting-join flow between the SYN and
///   the third ACK; the `Backup` variants are details of their join lines.
/// - Port-based joins (`MPJoinPort*`, `MismatchPort*`) are drawn with address
///   management, where the port comes from (an ADD_ADDR with a port).
/// - All fallback counters of 6.12 and 6.17 (`DssFallback`, `MD5SigFallback`,
///   …), `Blackhole` and the DSS-corruption counters are drawn with abnormal
///   termination and fallback.
/// - The data path holds the DSS checks, the out-of-order queue, retransmission
///   and stale subflows, window sharing, and the `MPCurrEstab` gauge.
/// A counter the table does not know is drawn in the `other` diagram with a
/// generic explanation; it is never dropped.
public enum CounterCatalog {
    public static let otherDiagramID = "other"

    /// The diagrams, in drawing order.
    public static let diagrams: [CaseDiagram] = [
        CaseDiagram(
            id: "mp_capable_active",
            title: "MP_CAPABLE, active opens",
            summary: "Connections this host tried to open with MPTCP. Each crosses MPCapableSYNTX once (even if the SYN is retransmitted) and completes when the SYN+ACK carries MP_CAPABLE; the branches are connections that went on as plain TCP.",
            readAgainst: ["TcpActiveOpens"],
            lanes: [.init("SYN with MP_CAPABLE sent, SYN+ACK received", .outbound)]),
        CaseDiagram(
            id: "mp_capable_passive",
            title: "MP_CAPABLE, passive opens",
            summary: "MPTCP connections this host accepted. Each crosses MPCapableSYNRX once and completes when the third ACK carries MP_CAPABLE; the branches fell back to TCP or were refused.",
            readAgainst: ["TcpPassiveOpens"],
            lanes: [.init("SYN with MP_CAPABLE received, third ACK received", .inbound)]),
        CaseDiagram(
            id: "mp_join_accepted",
            title: "MP_JOIN, accepting subflows",
            summary: "Additional subflows peers opened towards this host (typical of servers). The SYN with MP_JOIN must name a known connection token, the path manager must accept it and the third ACK must carry a valid HMAC. Token and HMAC failures may be attacks.",
            readAgainst: ["TcpPassiveOpens"],
            lanes: [.init("SYN with MP_JOIN received, third ACK received", .inbound)]),
        CaseDiagram(
            id: "mp_join_initiated",
            title: "MP_JOIN, initiating subflows",
            summary: "Additional subflows this host opened (typical of clients). The SYN with MP_JOIN is sent unless a socket cannot be created, bound or connected; the SYN+ACK must carry a valid HMAC.",
            readAgainst: ["TcpActiveOpens"],
            lanes: [.init("SYN with MP_JOIN sent, SYN+ACK received", .outbound)]),
        CaseDiagram(
            id: "address_management",
            title: "Address management: ADD_ADDR, RM_ADDR, MP_PRIO, port-based joins",
            summary: "How hosts advertise and withdraw addresses and change subflow priority. Drops mean the path manager did not process an option (no userspace daemon, limits, no memory).",
            lanes: [
                .init("ADD_ADDR received", .inbound),
                .init("ADD_ADDR sent", .outbound),
                .init("ADD_ADDR echo received", .inbound),
                .init("ADD_ADDR echo sent", .outbound),
                .init("RM_ADDR received", .inbound),
                .init("RM_ADDR sent", .outbound),
                .init("Subflows removed by the path manager", .state),
                .init("MP_PRIO (backup priority changes)", .state),
                .init("Joins to another port", .inbound),
            ]),
        CaseDiagram(
            id: "fallback_termination",
            title: "Abnormal termination and fallback",
            summary: "Connections that stop being MPTCP (fallback to TCP) or end without the normal DATA_FIN exchange. Rising values point at middleboxes that strip or rewrite MPTCP options, or at firewalls dropping them.",
            lanes: [
                .init("Fallback to TCP after the handshake", .state),
                .init("MP_FAIL", .state),
                .init("Infinite mappings", .state),
                .init("MP_FASTCLOSE", .state),
                .init("MP_RST", .state),
                .init("Blackhole detection", .state),
            ]),
        CaseDiagram(
            id: "data",
            title: "Data transfer (DSS)",
            summary: "The data path: DSS mappings checked on reception, reordering across subflows, MPTCP-level retransmissions and stale subflows, window sharing between subflows, and the connections currently established.",
            readAgainst: ["TcpRetransSegs", "TcpInSegs", "TcpOutSegs"],
            lanes: [
                .init("DSS mappings received", .inbound),
                .init("Out-of-order queue", .inbound),
                .init("Retransmission and stale subflows", .outbound),
                .init("Window sharing", .state),
                .init("Established connections", .state),
            ]),
        CaseDiagram(
            id: otherDiagramID,
            title: "Other counters",
            summary: "Counters this version of the exporter does not know yet (newer kernels). They are exported with a generic explanation; look them up in net/mptcp/mib.c of the running kernel.",
            lanes: [.init("Unknown counters", .state)]),
    ]

    /// Every MPTcpExt counter known, in drawing order within each diagram.
    public static let mptcp: [CounterDescriptor] = {
        func c(_ name: String, _ diagram: String, _ lane: Int, _ role: CounterRole, _ help: String,
               kind: CounterKind = .counter) -> CounterDescriptor {
            CounterDescriptor(section: "MPTcpExt", name: name, kind: kind, diagram: diagram,
                              lane: lane, role: role, help: help)
        }
        let act = "mp_capable_active", pas = "mp_capable_passive"
        let jin = "mp_join_accepted", jout = "mp_join_initiated"
        let addr = "address_management", fb = abnormalDiagramID, data = "data"
        return [
            // MP_CAPABLE, active opens.
            c("MPCapableSYNTXDisabled", act, 0, .branch, "Connections opened as plain TCP without trying MPTCP, because active MPTCP is disabled for a while after a firewall blackhole was detected (see Blackhole and net.mptcp.blackhole_timeout)."),
            c("MPCapableSYNTX", act, 0, .entry, "MPTCP connections this host tried to open: SYNs sent with MP_CAPABLE, counted once per connection even when the SYN is retransmitted. Compare with TcpActiveOpens."),
            c("MPFallbackTokenInit", act, 0, .branch, "Connections that fell back to TCP because no MPTCP token could be allocated (memory pressure or token space exhausted); counted on both active and passive opens."),
            c("MPCapableSYNTXDrop", act, 0, .branch, "Connections that fell back to TCP because SYNs with MP_CAPABLE got no answer and were retried without MPTCP (a middlebox dropping MPTCP SYNs; see net.mptcp.syn_retrans_before_tcp_fallback)."),
            c("MPCapableFallbackSYNACK", act, 0, .branch, "Active opens that fell back to TCP because the SYN+ACK had no MP_CAPABLE: the server does not speak MPTCP, or a middlebox stripped the option."),
            c("MPCapableSYNACKRX", act, 0, .exit, "Active opens confirmed as MPTCP: SYN+ACKs received with MP_CAPABLE in answer to our SYN."),
            // MP_CAPABLE, passive opens.
            c("MPCapableSYNRX", pas, 0, .entry, "MPTCP connections this host was asked to accept: SYNs received with MP_CAPABLE, once per connection. Compare with TcpPassiveOpens."),
            c("MPCapableEndpAttempt", pas, 0, .branch, "MP_CAPABLE SYNs refused because they were sent to the port of a port-based signal endpoint, which only accepts MP_JOIN."),
            c("MPCapableFallbackACK", pas, 0, .branch, "Passive opens that fell back to TCP because the third ACK had no MP_CAPABLE: probably a middlebox injecting ACKs in the handshake."),
            c("MPCapableACKRX", pas, 0, .exit, "Passive opens completed as MPTCP: third ACKs received with MP_CAPABLE."),
            // MP_JOIN, accepting subflows.
            c("MPJoinSynRx", jin, 0, .entry, "SYNs with MP_JOIN received: peers asking to add a subflow to an existing connection."),
            c("MPJoinSynBackupRx", jin, 0, .detail, "SYNs with MP_JOIN received with the backup flag set (part of MPJoinSynRx)."),
            c("MPJoinNoTokenFound", jin, 0, .branch, "SYNs with MP_JOIN refused because their token names no known connection: a stale peer, or a possible attack."),
            c("MPJoinNoIdFound", jin, 0, .branch, "MP_JOIN refused because no local address ID was found for the address it arrived on."),
            c("MPJoinRejected", jin, 0, .branch, "MP_JOIN requests the path manager rejected, usually because the subflow limit (ip mptcp limits) was reached."),
            c("MPJoinAckRx", jin, 0, .pass, "Third ACKs with MP_JOIN received: subflows whose handshake reached the HMAC check. Should be close to MPJoinSynRx."),
            c("MPJoinAckHMacFailure", jin, 0, .branch, "Third ACKs with MP_JOIN whose HMAC was wrong: the subflow is refused. Worth investigating (possible attack)."),
            c("MPJoinAckNoMPJoin", jin, 0, .branch, "Third ACKs of a joining subflow that came without the MP_JOIN option (a middlebox stripping it); the subflow is refused. Kernels after 6.18."),
            c("MPJoinAckNoCtx", jin, 0, .branch, "Third ACKs with MP_JOIN for which the subflow's request context was gone; the subflow is refused. Kernels after 6.18."),
            c("MPJoinNotEstablished", jin, 0, .branch, "MP_JOIN requests refused because their connection was not fully established yet. Kernels after 6.18."),
            // MP_JOIN, initiating subflows.
            c("MPJoinSynTx", jout, 0, .entry, "Subflows this host tried to add: SYNs with MP_JOIN about to be sent."),
            c("MPJoinSynTxCreatSkErr", jout, 0, .branch, "Subflows not attempted because the socket could not be created."),
            c("MPJoinSynTxBindErr", jout, 0, .branch, "Subflows not attempted because bind() to the local address failed (address gone, or in use)."),
            c("MPJoinSynTxConnectErr", jout, 0, .branch, "Subflows not attempted because connect() failed (no route from the local address, unreachable peer)."),
            c("MPJoinSynAckRx", jout, 0, .pass, "SYN+ACKs with MP_JOIN received: the peer accepted the new subflow, pending the HMAC check."),
            c("MPJoinSynAckBackupRx", jout, 0, .detail, "SYN+ACKs with MP_JOIN received with the backup flag set (part of MPJoinSynAckRx)."),
            c("MPJoinSynAckHMacFailure", jout, 0, .branch, "SYN+ACKs with MP_JOIN whose HMAC was wrong: the subflow is reset. Should never happen; capture packets if it does."),
            c("MPJoinSynAckNoMPJoin", jout, 0, .branch, "SYN+ACKs answering our MP_JOIN SYN without the MP_JOIN option (the peer or a middlebox); the subflow is reset. Kernels after 6.18."),
            // Address management.
            c("AddAddr", addr, 0, .entry, "ADD_ADDR options received (echo flag 0): the peer advertised an address."),
            c("PortAdd", addr, 0, .detail, "ADD_ADDR options received with a port number (part of AddAddr)."),
            c("AddAddrDrop", addr, 0, .branch, "Incoming ADD_ADDR options dropped before the path manager used them (e.g. the userspace path manager with no daemon, or the add_addr_accepted limit)."),
            c("AddAddrTx", addr, 1, .pass, "ADD_ADDR options sent (echo flag 0): this host advertised an address (signal endpoints)."),
            c("AddAddrTxDrop", addr, 1, .branch, "ADD_ADDR options that could not be sent for lack of resources."),
            c("EchoAdd", addr, 2, .pass, "ADD_ADDR echoes received: the peer acknowledged an address this host advertised."),
            c("EchoAddTx", addr, 3, .pass, "ADD_ADDR echoes sent: this host acknowledged an address the peer advertised."),
            c("EchoAddTxDrop", addr, 3, .branch, "ADD_ADDR echoes that could not be sent for lack of resources."),
            c("RmAddr", addr, 4, .entry, "RM_ADDR options received: the peer withdrew an address (typical of mobile hosts changing networks)."),
            c("RmAddrDrop", addr, 4, .branch, "Incoming RM_ADDR options the path manager could not process."),
            c("RmAddrTx", addr, 5, .pass, "RM_ADDR options sent: this host withdrew an address (endpoint deleted)."),
            c("RmAddrTxDrop", addr, 5, .branch, "RM_ADDR options that could not be sent for lack of resources."),
            c("RmSubflow", addr, 6, .pass, "Subflows removed by the path manager (after an RM_ADDR or an endpoint deletion)."),
            c("MPPrioTx", addr, 7, .pass, "MP_PRIO options sent: this host changed the backup priority of a subflow."),
            c("MPPrioRx", addr, 7, .pass, "MP_PRIO options received: the peer changed the backup priority of a subflow."),
            c("MPJoinPortSynRx", addr, 8, .entry, "SYNs with MP_JOIN received on a port other than the connection's (port-based endpoints)."),
            c("MismatchPortSynRx", addr, 8, .branch, "SYNs with MP_JOIN received on a port that does not match the announced one; refused."),
            c("MPJoinPortSynAckRx", addr, 8, .pass, "SYN+ACKs with MP_JOIN received from a port other than the connection's."),
            c("MPJoinPortAckRx", addr, 8, .exit, "Third ACKs with MP_JOIN received on a port other than the connection's."),
            c("MismatchPortAckRx", addr, 8, .branch, "Third ACKs with MP_JOIN received on a port that does not match the announced one; refused."),
            // Abnormal termination and fallback.
            c("MPCapableDataFallback", fb, 0, .branch, "Fallbacks to TCP because the first data packet after the handshake had no DSS or MP_CAPABLE with data."),
            c("DssFallback", fb, 0, .branch, "Fallbacks to TCP because a packet had a bad or missing DSS option."),
            c("MD5SigFallback", fb, 0, .branch, "Fallbacks to TCP because a conflicting TCP option (TCP-MD5 signatures) is enabled on the socket."),
            c("SimultConnectFallback", fb, 0, .branch, "Fallbacks to TCP because of a simultaneous connect."),
            c("DSSCorruptionFallback", fb, 0, .branch, "Fallbacks to TCP because DSS corruption was detected on the only subflow."),
            c("DSSCorruptionReset", fb, 0, .branch, "MP_JOIN subflows reset because DSS corruption was detected on them."),
            c("FallbackFailed", fb, 0, .branch, "A fallback to TCP was needed but impossible in the connection's state; the connection is reset."),
            c("MD5SigReset", fb, 0, .branch, "Subflows reset because TCP-MD5 signatures are in use where MPTCP cannot fall back. Kernels after 6.18."),
            c("DssReset", fb, 0, .branch, "Subflows reset because of an invalid DSS where falling back was not possible. Kernels after 6.18."),
            c("MPFailTx", fb, 1, .pass, "MP_FAIL options sent: this host detected interference (e.g. a DSS checksum error) and asked to fall back."),
            c("MPFailRx", fb, 1, .pass, "MP_FAIL options received: the peer detected interference and asked to fall back."),
            c("InfiniteMapTx", fb, 2, .pass, "Infinite mappings sent: the connection became a plain TCP stream on its single subflow."),
            c("InfiniteMapRx", fb, 2, .pass, "Infinite mappings received: the peer turned the connection into a plain TCP stream."),
            c("MPFastcloseTx", fb, 3, .pass, "MP_FASTCLOSE options sent: connections this host closed abruptly, without DATA_FIN."),
            c("MPFastcloseRx", fb, 3, .pass, "MP_FASTCLOSE options received: connections the peer closed abruptly."),
            c("MPRstTx", fb, 4, .pass, "Subflow resets sent with an MP_TCPRST option (reason code in the path-manager events)."),
            c("MPRstRx", fb, 4, .pass, "Subflow resets received with an MP_TCPRST option."),
            c("Blackhole", fb, 5, .branch, "Firewall blackholes detected: MPTCP SYNs or data were silently dropped; active MPTCP is then disabled for net.mptcp.blackhole_timeout (see MPCapableSYNTXDisabled)."),
            // Data path.
            c("DSSNotMatching", data, 0, .branch, "Received DSS mappings that contradict an earlier mapping of the same data."),
            c("DSSNoMatchTCP", data, 0, .branch, "Received DSS mappings that do not match the subflow's TCP sequence numbers."),
            c("NoDSSInWindow", data, 0, .branch, "Received segments whose DSS lies outside the MPTCP receive window."),
            c("DataCsumErr", data, 0, .branch, "DSS checksum failures (only with net.mptcp.checksum_enabled): a middlebox rewrote payload; read with MPFailTx/MPFailRx."),
            c("DuplicateData", data, 0, .branch, "Received segments discarded because their data had already arrived (e.g. retransmitted over another subflow)."),
            c("OFOQueueTail", data, 1, .pass, "Segments appended at the tail of the MPTCP out-of-order queue."),
            c("OFOQueue", data, 1, .pass, "Segments inserted into the MPTCP out-of-order queue (data arriving out of order across subflows)."),
            c("OFOMerge", data, 1, .pass, "Segments merged with data already in the out-of-order queue."),
            c("RcvPruned", data, 1, .branch, "Incoming packets dropped because MPTCP's receive memory was full; check socket memory settings."),
            c("OFOPruned", data, 1, .branch, "Out-of-order MPTCP data dropped to free receive memory. Kernels after 6.18."),
            c("BacklogDrop", data, 1, .branch, "Incoming packets dropped from the MPTCP-level backlog for lack of memory. Kernels after 6.18."),
            c("MPTCPRetrans", data, 2, .pass, "Segments retransmitted at the MPTCP level (data re-sent, possibly on another subflow)."),
            c("WinProbe", data, 2, .pass, "MPTCP-level zero-window probes sent."),
            c("SubflowStale", data, 2, .branch, "Subflows marked stale after net.mptcp.stale_loss_cnt retransmission intervals without progress; the scheduler stops using them."),
            c("SubflowRecover", data, 2, .pass, "Stale subflows that made progress again and returned to active use."),
            c("SndWndShared", data, 3, .pass, "Times a subflow's send window was overridden by the connection-level one."),
            c("RcvWndShared", data, 3, .pass, "Times a subflow's receive window was overridden by the connection-level one."),
            c("RcvWndConflictUpdate", data, 3, .pass, "Times a subflow's receive window was overridden because another subflow updated the connection window concurrently."),
            c("RcvWndConflict", data, 3, .pass, "Conflicts while updating the connection-level receive window."),
            c("MPCurrEstab", data, 4, .gauge, "MPTCP connections currently established (a gauge).", kind: .gauge),
        ]
    }()

    /// The TCP counters the MPTCP ones are read against.
    public static let tcp: [CounterDescriptor] = {
        func t(_ section: String, _ name: String, _ help: String, kind: CounterKind = .counter) -> CounterDescriptor {
            CounterDescriptor(section: section, name: name, kind: kind, diagram: "tcp", lane: 0, role: kind == .gauge ? .gauge : .pass, help: help)
        }
        return [
            t("Tcp", "ActiveOpens", "TCP connections opened by this host (SYN sent), MPTCP subflows included. Read with MPCapableSYNTX and MPJoinSynTx."),
            t("Tcp", "PassiveOpens", "TCP connections accepted by this host (SYN received), MPTCP subflows included. Read with MPCapableSYNRX and MPJoinSynRx."),
            t("Tcp", "AttemptFails", "TCP connection attempts that failed (SYN_SENT or SYN_RECV to CLOSED or LISTEN)."),
            t("Tcp", "EstabResets", "TCP connections reset from ESTABLISHED or CLOSE_WAIT."),
            t("Tcp", "CurrEstab", "TCP connections currently ESTABLISHED or CLOSE_WAIT (a gauge), MPTCP subflows included.", kind: .gauge),
            t("Tcp", "InSegs", "TCP segments received, MPTCP subflows included."),
            t("Tcp", "OutSegs", "TCP segments sent, retransmissions excluded."),
            t("Tcp", "RetransSegs", "TCP segments retransmitted, MPTCP subflows included. Read with MPTCPRetrans."),
            t("Tcp", "InErrs", "TCP segments received in error (bad checksum and others)."),
            t("Tcp", "OutRsts", "TCP segments sent with the RST flag."),
            t("Tcp", "InCsumErrors", "TCP segments received with a bad checksum."),
            t("TcpExt", "ListenOverflows", "Times the accept queue of a listening socket was full (MPTCP listeners included)."),
            t("TcpExt", "ListenDrops", "SYNs dropped by listening sockets for any reason."),
            t("TcpExt", "TCPTimeouts", "TCP retransmission timeouts."),
            t("TcpExt", "TCPSynRetrans", "SYNs and SYN+ACKs retransmitted (relevant when MPTCP SYNs are dropped by middleboxes)."),
        ]
    }()

    private static let byKey: [String: CounterDescriptor] = {
        var map: [String: CounterDescriptor] = [:]
        for descriptor in mptcp + tcp { map[descriptor.section + "\u{0}" + descriptor.name] = descriptor }
        return map
    }()

    /// The descriptor of a known counter, or nil.
    public static func known(section: String, name: String) -> CounterDescriptor? {
        byKey[section + "\u{0}" + name]
    }

    /// Series name and HELP text of every known counter, computed once (a
    /// scrape would otherwise redo the naming rule for each counter).
    static let rendered: [String: (series: String, help: String)] = {
        var map: [String: (series: String, help: String)] = [:]
        for descriptor in mptcp + tcp { map[descriptor.section + "\u{0}" + descriptor.name] = (descriptor.seriesName, descriptor.helpText) }
        return map
    }()

    /// ``CounterDescriptor/seriesName`` and ``CounterDescriptor/helpText``, cached for known counters.
    public static func seriesAndHelp(_ descriptor: CounterDescriptor) -> (series: String, help: String) {
        rendered[descriptor.section + "\u{0}" + descriptor.name] ?? (descriptor.seriesName, descriptor.helpText)
    }

    /// The diagram of abnormal termination and fallback (MP_FAIL, infinite
    /// mappings, MP_FASTCLOSE, MP_RST, fallbacks after the handshake).
    public static let abnormalDiagramID = "fallback_termination"

    /// Whether a counter that moves signals trouble: a branch, where packets
    /// leave their flow (a fallback, a drop, an error), or any counter of the
    /// abnormal-termination diagram. `mptcp-top` marks these when they move;
    /// derived from the table, so a counter added to it is marked by its role.
    public static func signalsTrouble(_ name: String) -> Bool {
        let descriptor = descriptor(mptcpCounter: name)
        return descriptor.role == .branch || descriptor.diagram == abnormalDiagramID
    }

    /// The descriptor of any MPTcpExt counter the kernel has: the known one, or
    /// a generic one in the `other` diagram for names this table does not know.
    public static func descriptor(mptcpCounter name: String) -> CounterDescriptor {
        if let known = known(section: "MPTcpExt", name: name) { return known }
        return CounterDescriptor(
            section: "MPTcpExt", name: name, kind: .counter, diagram: otherDiagramID, lane: 0, role: .pass,
            help: "MPTCP counter not known to this version of mptcp-exporter (newer kernel); see net/mptcp/mib.c of the running kernel.")
    }

    /// The diagram with `id`.
    public static func diagram(_ id: String) -> CaseDiagram? {
        diagrams.first { $0.id == id }
    }
}
