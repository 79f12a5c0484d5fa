import MPTCPWire

extension ConnectionFamilies {
    /// Every (kind, reason) a verdict can have (``Verdicts``): the series of
    /// `mptcp_connections_by_verdict`, always all of them, so an alert or a
    /// panel never meets a missing series, and bounded whatever the traffic.
    public static let verdictSeries: [(kind: Report.Verdict.Kind, reason: String)] = [
        (.multipath, ""), (.multipath, "joins_refused"), (.backupStandby, "backup"),
        (.singlePath, "joins_refused"), (.singlePath, "subflows_closed"), (.singlePath, "userspace_pm_idle"),
        (.singlePath, "subflow_limit_zero"), (.singlePath, "no_subflow_endpoint"), (.singlePath, "announcements_not_accepted"),
        (.singlePath, "endpoint_no_route"), (.singlePath, "joins_unanswered"), (.singlePath, "rp_filter_strict"), (.singlePath, "unexplained"),
        (.peerDecides, "peer_opened_no_subflow"),
        (.fallback, "syn_ack_without_mp_capable"), (.fallback, "syn_dropped"), (.fallback, "blackhole"),
        (.fallback, "data_fallback"), (.fallback, "dss_fallback"), (.fallback, "md5sig"),
        (.fallback, "simultaneous_connect"), (.fallback, "handshake_third_ack"), (.fallback, "unknown_stage"),
    ]

    /// `mptcp_connections_by_verdict{kind,reason}` and
    /// `mptcp_connections_needing_action`, from ``Verdicts/tally(_:)``.
    public static func verdictFamilies(_ tally: Verdicts.Tally) -> [MetricFamily] {
        var byVerdict = MetricFamily(name: "mptcp_connections_by_verdict",
            help: "MPTCP connections by verdict: kind (multipath, backup_standby, single_path, peer_decides, fallback) and reason (why it has the paths it has; README, Diagnostic report). Verdicts use the path manager and sysctls of the latest reads and the events kept; no route lookup is made at scrape time.",
            type: .gauge)
        for (kind, reason) in verdictSeries {
            byVerdict.samples.append(Sample(labels: [("kind", kind.rawValue), ("reason", reason)],
                                            value: .unsigned(tally.byVerdict[Verdicts.Tally.Key(kind: kind, reason: reason)] ?? 0)))
        }
        return [byVerdict, MetricFamily(name: "mptcp_connections_needing_action",
            help: "MPTCP connections whose verdict an operator should act on (fewer paths than the configuration gives, for a reason the report names).",
            type: .gauge, value: .unsigned(tally.needingAction))]
    }
}
