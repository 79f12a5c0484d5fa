import MPTCPWire
/// Metric families of the `connections` collector.
public enum ConnectionFamilies {
    public struct Options: Sendable {
        /// Publish one series set per connection and per subflow.
        public var perConnection = false
        /// At most this many connections get per-connection series; the rest
        /// are counted in `mptcp_exporter_connection_series_dropped`.
        public var maxConnections = 200
        public init(perConnection: Bool = false, maxConnections: Int = 200) {
            self.perConnection = perConnection
            self.maxConnections = maxConnections
        }
    }

    /// States always exported (so a dashboard never sees a missing series).
    static let alwaysStates: [UInt8] = [1, 2, 3, 4, 5, 7, 8, 9, 11]
    /// Buckets of `mptcp_connections_by_subflows`.
    static let subflowBuckets = ["0", "1", "2", "3", "4", "5", "6", "7", "8+"]

    /// The families of a snapshot. `tally` is the ``SubflowTally`` of its
    /// subflows when it was kept during the join (``SubflowBookkeeping``);
    /// without it the subflows are walked here.
    public static func families(
        _ snapshot: ConnectionSnapshot, interfaceBytes: [String: InterfaceByteCounters.Bytes],
        decodeErrors: Int, options: Options = Options(), tally: SubflowTally? = nil
    ) -> [MetricFamily] {
        var families: [MetricFamily] = []
        let subflowTally = connectionFamilies(snapshot, tally: tally, into: &families)
        subflowFamilies(subflowTally, into: &families)
        interfaceByteFamilies(interfaceBytes, into: &families)
        readingFamilies(snapshot, decodeErrors: decodeErrors, into: &families)
        if options.perConnection {
            families += perConnectionFamilies(snapshot, options: options)
        }
        return families
    }

    /// Connections by state, fallback and number of subflows, and listeners;
    /// returns the subflow tally (`tally`, or walked here).
    static func connectionFamilies(_ snapshot: ConnectionSnapshot, tally: SubflowTally?, into families: inout [MetricFamily]) -> SubflowTally {
        // One pass over the connections, counting into fixed slots: this runs
        // after the dumps, for every scrape, over tens of thousands of
        // connections on a proxy (BENCHMARKS.md), so no strings are built and
        // no dictionary is touched per connection or subflow.
        var byState = [UInt64](repeating: 0, count: 256)
        var fallback: UInt64 = 0
        var buckets = [UInt64](repeating: 0, count: subflowBuckets.count)
        var walked = tally == nil ? SubflowTally() : nil
        for index in snapshot.connections.indices {
            byState[Int(snapshot.connections[index].state)] += 1
            if snapshot.connections[index].isFallback { fallback += 1 }
            buckets[min(snapshot.connections[index].subflows.count, subflowBuckets.count - 1)] += 1
            if walked != nil {
                snapshot.connections[index].subflows.withUnsafeBufferPointer { subflows in
                    for subflow in subflows.indices { walked?.add(subflows[subflow]) }
                }
            }
        }
        let subflowTally = tally ?? walked ?? SubflowTally()
        var stateSamples: [Sample] = []
        for state in 0..<byState.count where byState[state] > 0 || alwaysStates.contains(UInt8(state)) {
            stateSamples.append(Sample(labels: [("state", TCPState.name(UInt8(state)))], value: .unsigned(byState[state])))
        }
        families.append(MetricFamily(
            name: "mptcp_connections", help: "MPTCP connections by state (TCP state names, as ss prints them).", type: .gauge,
            samples: stateSamples))

        families.append(MetricFamily(
            name: "mptcp_connections_fallback",
            help: "MPTCP connections that fell back to plain TCP (MPTCP_INFO_FLAG_FALLBACK): the peer or a middlebox does not speak MPTCP.",
            type: .gauge, value: .unsigned(fallback)))

        families.append(MetricFamily(
            name: "mptcp_listeners", help: "MPTCP listening sockets.", type: .gauge,
            value: .unsigned(UInt64(snapshot.listeners.count))))

        families.append(MetricFamily(
            name: "mptcp_connections_by_subflows",
            help: "MPTCP connections by their number of subflows (subflows=\"8+\" for eight or more). Connections with 1 subflow use a single path.",
            type: .gauge,
            samples: subflowBuckets.indices.map { Sample(labels: [("subflows", subflowBuckets[$0])], value: .unsigned(buckets[$0])) }))
        return subflowTally
    }

    /// Subflows by role and priority, and by interface.
    static func subflowFamilies(_ subflowTally: SubflowTally, into families: inout [MetricFamily]) {
        var roleSamples: [Sample] = []
        for role in 0..<3 {
            for priority in 0..<3 {
                let count = subflowTally.byRole[role * 3 + priority]
                // The four known pairs always; a pair with `unknown` only when seen.
                guard count > 0 || (role < 2 && priority < 2) else { continue }
                roleSamples.append(Sample(labels: [("role", RoleSlot.roles[role]), ("priority", RoleSlot.priorities[priority])],
                                          value: .unsigned(count)))
            }
        }
        families.append(MetricFamily(
            name: "mptcp_subflows",
            help: "Subflows of MPTCP connections by role (initial: the MP_CAPABLE subflow; join: added with MP_JOIN) and priority (active or backup). unknown when the kernel hides the subflow flags from this user.",
            type: .gauge,
            samples: roleSamples))
        families.append(MetricFamily(
            name: "mptcp_subflows_by_interface",
            help: "Subflows by the interface they use: the bound device, else the interface whose subnet holds the peer, else the one owning the local address.",
            type: .gauge,
            samples: subflowTally.interfaces.names.indices.map {
                Sample(labels: [("interface", subflowTally.interfaces.names[$0])], value: .unsigned(subflowTally.interfaces.counts[$0]))
            }))
    }

    /// Bytes per interface, kept across closes by ``InterfaceByteCounters``.
    static func interfaceByteFamilies(_ interfaceBytes: [String: InterfaceByteCounters.Bytes], into families: inout [MetricFamily]) {
        var acked = MetricFamily(
            name: "mptcp_interface_bytes_acked_total",
            help: "Bytes sent by MPTCP subflows over this interface and acknowledged by the peer (tcp_info bytes_acked), counted for every subflow up to the last scrape that saw it; never goes backwards when connections close.",
            type: .counter)
        var received = MetricFamily(
            name: "mptcp_interface_bytes_received_total",
            help: "Bytes received by MPTCP subflows over this interface (tcp_info bytes_received), counted like mptcp_interface_bytes_acked_total.",
            type: .counter)
        var retransmitted = MetricFamily(
            name: "mptcp_interface_bytes_retransmitted_total",
            help: "Bytes retransmitted by MPTCP subflows over this interface (tcp_info bytes_retrans), counted like mptcp_interface_bytes_acked_total.",
            type: .counter)
        for (interface, bytes) in interfaceBytes {
            acked.samples.append(Sample(labels: [("interface", interface)], value: .unsigned(bytes.acked)))
            received.samples.append(Sample(labels: [("interface", interface)], value: .unsigned(bytes.received)))
            retransmitted.samples.append(Sample(labels: [("interface", interface)], value: .unsigned(bytes.retransmitted)))
        }
        families += [acked, received, retransmitted]
    }

    /// What the reading could not see: unmatched subflows, hidden fields, decode errors.
    static func readingFamilies(_ snapshot: ConnectionSnapshot, decodeErrors: Int, into families: inout [MetricFamily]) {
        families.append(MetricFamily(
            name: "mptcp_subflows_unmatched",
            help: "MPTCP subflows whose connection was not in the dump (it closed between the two dumps of one scrape).",
            type: .gauge, value: .unsigned(UInt64(snapshot.unmatchedSubflows.count))))
        families.append(MetricFamily(
            name: "mptcp_exporter_connections_missing_fields",
            help: "1 for each kind of field the kernel hid from the exporter's user: subflow_context (no tokens, ids or flags: kernels before 6.15 without CAP_NET_ADMIN), subflow_sequence (mapping sequence numbers: CAP_NET_ADMIN only), mptcp_info.",
            type: .gauge,
            samples: ConnectionSnapshot.MissingField.allCases.map {
                Sample(labels: [("field", $0.rawValue)], value: .unsigned(snapshot.missingFields.contains($0) ? 1 : 0))
            }))
        families.append(MetricFamily(
            name: "mptcp_exporter_sock_diag_decode_errors",
            help: "Netlink messages or attributes of the last scrape's sock_diag dumps that were cut short or malformed (skipped).",
            type: .gauge, value: .unsigned(UInt64(decodeErrors))))
    }

    /// The per-subflow counts of the bounded families: role × priority and
    /// interface. Kept during the join by ``SubflowBookkeeping``, or walked.
    public struct SubflowTally: Sendable {
        /// By ``RoleSlot/index(flags:)``.
        var byRole = [UInt64](repeating: 0, count: 9)
        var interfaces = InterfaceTally()

        public init() {}

        public mutating func add(_ subflow: Subflow) {
            byRole[RoleSlot.index(flags: subflow.flags)] += 1
            interfaces.count(subflow.interface)
        }
    }

    static func perConnectionFamilies(_ snapshot: ConnectionSnapshot, options: Options) -> [MetricFamily] {
        var info = MetricFamily(name: "mptcp_connection_info",
            help: "One series per MPTCP connection (opt-in): token, family, local and remote endpoints, state, fallback. Value always 1.",
            type: .gauge)
        var subflows = MetricFamily(name: "mptcp_connection_subflows", help: "Subflows of the connection.", type: .gauge)
        var sent = MetricFamily(name: "mptcp_connection_bytes_sent_total", help: "Bytes sent at the MPTCP level (mptcpi_bytes_sent).", type: .counter)
        var received = MetricFamily(name: "mptcp_connection_bytes_received_total", help: "Bytes received at the MPTCP level (mptcpi_bytes_received).", type: .counter)
        var retrans = MetricFamily(name: "mptcp_connection_bytes_retransmitted_total", help: "Bytes retransmitted at the MPTCP level (mptcpi_bytes_retrans).", type: .counter)
        var subflowInfo = MetricFamily(name: "mptcp_subflow_info",
            help: "One series per subflow of the connections above (opt-in): token, local and remote endpoints, interface, role, priority, local and remote address ids. Value always 1.",
            type: .gauge)
        var rtt = MetricFamily(name: "mptcp_subflow_rtt_seconds", help: "Smoothed round-trip time of the subflow (tcp_info rtt).", type: .gauge)
        var cwnd = MetricFamily(name: "mptcp_subflow_cwnd_segments", help: "Congestion window of the subflow, in segments.", type: .gauge)
        var rate = MetricFamily(name: "mptcp_subflow_delivery_rate_bytes_per_second", help: "Most recent delivery rate of the subflow (tcp_info delivery_rate).", type: .gauge)
        var subflowAcked = MetricFamily(name: "mptcp_subflow_bytes_acked_total", help: "Bytes sent on the subflow and acknowledged (tcp_info bytes_acked).", type: .counter)
        var subflowReceived = MetricFamily(name: "mptcp_subflow_bytes_received_total", help: "Bytes received on the subflow (tcp_info bytes_received).", type: .counter)
        var subflowRetrans = MetricFamily(name: "mptcp_subflow_retransmits_total", help: "Segments retransmitted on the subflow (tcp_info total_retrans).", type: .counter)

        // Deterministic choice under the cap: by token.
        let ordered = snapshot.connections.sorted { ($0.token ?? 0, $0.inode) < ($1.token ?? 0, $1.inode) }
        let kept = ordered.prefix(max(0, options.maxConnections))
        for connection in kept {
            let token = [("token", connection.tokenHex)]
            info.samples.append(Sample(labels: token + [
                ("family", connection.family == IPAddress.inet6 ? "inet6" : "inet"),
                ("local", connection.localEndpoint), ("remote", connection.remoteEndpoint),
                ("state", connection.stateName), ("fallback", connection.isFallback ? "1" : "0"),
            ], value: .unsigned(1)))
            subflows.samples.append(Sample(labels: token, value: .unsigned(UInt64(connection.subflows.count))))
            if let value = connection.info?.bytesSent { sent.samples.append(Sample(labels: token, value: .unsigned(value))) }
            if let value = connection.info?.bytesReceived { received.samples.append(Sample(labels: token, value: .unsigned(value))) }
            if let value = connection.info?.bytesRetrans { retrans.samples.append(Sample(labels: token, value: .unsigned(value))) }
            for subflow in connection.subflows {
                let labels = token + [("local", subflow.localEndpoint), ("remote", subflow.remoteEndpoint)]
                subflowInfo.samples.append(Sample(labels: labels + [
                    ("interface", subflow.interface ?? "unknown"), ("role", subflow.role.rawValue), ("priority", subflow.priority.rawValue),
                    ("local_id", subflow.localID.map(String.init) ?? ""), ("remote_id", subflow.remoteID.map(String.init) ?? ""),
                ], value: .unsigned(1)))
                guard let tcp = subflow.tcp else { continue }
                if let value = tcp.rtt { rtt.samples.append(Sample(labels: labels, value: .double(Double(value) / 1e6))) }
                if let value = tcp.sndCwnd { cwnd.samples.append(Sample(labels: labels, value: .unsigned(UInt64(value)))) }
                if let value = tcp.deliveryRate { rate.samples.append(Sample(labels: labels, value: .unsigned(value))) }
                if let value = tcp.bytesAcked { subflowAcked.samples.append(Sample(labels: labels, value: .unsigned(value))) }
                if let value = tcp.bytesReceived { subflowReceived.samples.append(Sample(labels: labels, value: .unsigned(value))) }
                if let value = tcp.totalRetrans { subflowRetrans.samples.append(Sample(labels: labels, value: .unsigned(UInt64(value)))) }
            }
        }
        let dropped = MetricFamily(
            name: "mptcp_exporter_connection_series_dropped",
            help: "Connections left without per-connection series because of --collector.connections.max-connections.",
            type: .gauge, value: .unsigned(UInt64(snapshot.connections.count - kept.count)))
        return [info, subflows, sent, received, retrans, subflowInfo, rtt, cwnd, rate, subflowAcked, subflowReceived, subflowRetrans, dropped]
    }
}

/// The role and priority of a subflow as a slot of a 3×3 table:
/// role initial, join, unknown; priority active, backup, unknown (the labels
/// of ``Subflow/role`` and ``Subflow/priority``).
enum RoleSlot {
    static let roles = ["initial", "join", "unknown"]
    static let priorities = ["active", "backup", "unknown"]

    static func index(flags: UInt32?) -> Int {
        guard let flags else { return 2 * 3 + 2 }
        let join = flags & (SubflowInfo.joinLocal | SubflowInfo.joinRemote) != 0
        let backup = flags & (SubflowInfo.backupLocal | SubflowInfo.backupRemote) != 0
        return (join ? 3 : 0) + (backup ? 1 : 0)
    }
}

/// Counts per interface name in first-seen order; consecutive subflows
/// mostly share an interface, so the last slot is tried before the lookup.
struct InterfaceTally: Sendable {
    private(set) var names: [String] = []
    private(set) var counts: [UInt64] = []
    private var slots: [String: Int] = [:]
    private var last = -1

    mutating func count(_ interface: String?) {
        let name = interface ?? "unknown"
        if last >= 0, names[last] == name {
            counts[last] += 1
            return
        }
        if let slot = slots[name] {
            last = slot
        } else {
            last = names.count
            slots[name] = last
            names.append(name)
            counts.append(0)
        }
        counts[last] += 1
    }
}
