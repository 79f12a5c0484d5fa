/// The metric families of the subflow ledger: lifecycle histograms, subflow
/// ends, and what the ledger itself received, lost and follows.
public enum LedgerFamilies {
    /// What the notification listener and its inbox counted.
    public struct Reception: Sendable, Equatable {
        /// 1 while the destroy notifications are received, 0 when not (no privilege, turned off).
        public var available: Bool
        /// Left the groups for want of budget (``--collector.connections.ledger.max-rate``).
        public var paused: Bool
        public var subflowNotifications: UInt64
        public var otherNotifications: UInt64
        public var lost: UInt64
        public var malformed: UInt64
        public var overflow: UInt64

        public init(available: Bool, paused: Bool = false, subflowNotifications: UInt64 = 0, otherNotifications: UInt64 = 0,
                    lost: UInt64 = 0, malformed: UInt64 = 0, overflow: UInt64 = 0) {
            self.available = available
            self.paused = paused
            self.subflowNotifications = subflowNotifications
            self.otherNotifications = otherNotifications
            self.lost = lost
            self.malformed = malformed
            self.overflow = overflow
        }
    }

    public static func families(_ lifecycle: ConnectionLifecycle, bytes: InterfaceByteCounters, reception: Reception) -> [MetricFamily] {
        var families: [MetricFamily] = []
        families.append(MetricFamily(
            name: "mptcp_connection_duration_seconds",
            help: "Seconds from a connection's path-manager created event to its closed event (connections whose start the exporter saw).",
            type: .histogram, samples: lifecycle.duration.samples()))
        var join = MetricFamily(
            name: "mptcp_subflow_join_latency_seconds",
            help: "Seconds from a connection's established event to each additional subflow's sub_established event, by the interface of the subflow.",
            type: .histogram)
        for (interface, histogram) in lifecycle.joinLatency.sorted(by: { $0.key < $1.key }) {
            join.samples += histogram.samples(labels: [("interface", interface)])
        }
        families.append(join)
        families.append(MetricFamily(
            name: "mptcp_subflow_lifetime_seconds",
            help: "Seconds from a subflow's establishment (its event) to the kernel's destroy notification of its socket.",
            type: .histogram, samples: lifecycle.subflowLifetime.samples()))
        families.append(MetricFamily(
            name: "mptcp_closed_connection_subflows",
            help: "Subflows a connection had over its life, observed when it ends.",
            type: .histogram, samples: lifecycle.subflowsAtClose.samples()))
        families.append(MetricFamily(
            name: "mptcp_closed_connection_bytes",
            help: "Bytes a connection carried over all its subflows (tcp_info bytes_acked plus bytes_received, final values where notified), observed when it ends.",
            type: .histogram, samples: lifecycle.bytesAtClose.samples()))
        families.append(MetricFamily(
            name: "mptcp_subflows_ended_total",
            help: "Subflows of ended connections by interface and how they ended: with_connection (destroyed with it), an errno name or MP_RST reason from their sub_closed event, closed (sub_closed without error), unobserved (no notification).",
            type: .counter,
            samples: lifecycle.subflowEnds.sorted { ($0.key.interface, $0.key.end) < ($1.key.interface, $1.key.end) }.map {
                Sample(labels: [("interface", $0.key.interface), ("end", $0.key.end)], value: .unsigned($0.value))
            }))
        families.append(MetricFamily(
            name: "mptcp_connections_ended_total",
            help: "Connections the ledger followed to their end (closed event, or gone from the dump).",
            type: .counter, value: .unsigned(lifecycle.connectionsClosed)))
        families.append(MetricFamily(
            name: "mptcp_ledger_available",
            help: "1 while the kernel's TCP destroy notifications are received (sock_diag SKNLGRP_INET_TCP_DESTROY and INET6), 0 when not: byte counters then stop at the last scrape that saw each subflow.",
            type: .gauge, value: .unsigned(reception.available ? 1 : 0)))
        families.append(MetricFamily(
            name: "mptcp_ledger_paused",
            help: "1 while the exporter has left the destroy-notification groups because the namespace frees more TCP sockets per second than --collector.connections.ledger.max-rate; it joins again below half of it.",
            type: .gauge, value: .unsigned(reception.paused ? 1 : 0)))
        families.append(MetricFamily(
            name: "mptcp_ledger_notifications_total",
            help: "TCP destroy notifications received, by socket: mptcp_subflow (kept) or other (plain TCP, dropped on receipt).",
            type: .counter,
            samples: [Sample(labels: [("socket", "mptcp_subflow")], value: .unsigned(reception.subflowNotifications)),
                      Sample(labels: [("socket", "other")], value: .unsigned(reception.otherNotifications))]))
        families.append(MetricFamily(
            name: "mptcp_ledger_notifications_lost_total",
            help: "Times the kernel dropped destroy notifications for want of buffer space (ENOBUFS); the subflows concerned are counted up to the last scrape that saw them.",
            type: .counter, value: .unsigned(reception.lost)))
        families.append(MetricFamily(
            name: "mptcp_ledger_subflows_closed_total",
            help: "Subflows whose bytes the ledger closed, by source: notification (final values) or scrape (gone from the dump with no notification within three scrapes: last-seen values).",
            type: .counter,
            samples: [Sample(labels: [("source", "notification")], value: .unsigned(bytes.closedByNotification)),
                      Sample(labels: [("source", "scrape")], value: .unsigned(bytes.closedWithoutNotification))]))
        families.append(MetricFamily(
            name: "mptcp_ledger_tracked_connections",
            help: "Connections the ledger follows now (bounded by --collector.connections.ledger.max-tracked).",
            type: .gauge, value: .unsigned(UInt64(lifecycle.trackedConnections))))
        families.append(MetricFamily(
            name: "mptcp_ledger_overflow_total",
            help: "Connections not followed because the bound was reached, plus notifications and events dropped because the inbox was full.",
            type: .counter, value: .unsigned(lifecycle.overflow &+ reception.overflow)))
        return families
    }
}
