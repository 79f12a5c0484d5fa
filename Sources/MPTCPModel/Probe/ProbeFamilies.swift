/// The series of one probe, as blackbox exporter's probes answer `/probe`:
/// `probe_success`, `probe_duration_seconds`, and the MPTCP findings. Every
/// series is bounded: by the fallback stages, the probe's subflows and the
/// host's endpoints.
public enum ProbeFamilies {
    public static func families(_ result: ProbeResult) -> [MetricFamily] {
        func gauge(_ name: String, _ help: String, _ value: Double) -> MetricFamily {
            MetricFamily(name: name, help: help, type: .gauge, value: .double(value))
        }
        func flag(_ value: Bool) -> Double { value ? 1 : 0 }
        var families = [
            gauge("probe_success", "1 when the probe succeeded: an MPTCP connection (or a fallback, if the module allows it) with at least the module's subflows, and an answer when one is expected.", flag(result.success)),
            gauge("probe_duration_seconds", "How long the probe took.", result.durationSeconds),
        ]
        if let connect = result.connectSeconds {
            families.append(gauge("probe_mptcp_connect_duration_seconds", "Time from connect() to the established connection.", connect))
        }
        families.append(gauge("probe_mptcp_capable",
                              "1 when MP_CAPABLE was negotiated and the connection was still MPTCP at the end of the probe.", flag(result.mptcp)))
        families.append(MetricFamily(
            name: "probe_mptcp_fallback",
            help: "1 for the stage at which the connection fell back to TCP: syn_dropped (SYNs with the MPTCP option went unanswered, retried without it), synack_without_mp_capable, after_handshake.",
            type: .gauge,
            samples: ProbeResult.Stage.allCases.map {
                Sample(labels: [("stage", $0.rawValue)], value: .double(flag(result.fallback?.stage == $0)))
            }))
        families.append(MetricFamily(
            name: "probe_mptcp_subflows",
            help: "Subflows of the probe's connection at its end, by state: up (established) or pending (still connecting).",
            type: .gauge,
            samples: [Sample(labels: [("state", "up")], value: .unsigned(UInt64(result.subflowsUp))),
                      Sample(labels: [("state", "pending")], value: .unsigned(UInt64(result.subflows.count - result.subflowsUp)))]))
        if let expected = result.expectedSubflows {
            families.append(gauge("probe_mptcp_subflows_expected",
                                  "Subflows this host's path-manager configuration should give the connection (endpoints, accepted announcements, limits), the initial one included.",
                                  Double(expected)))
        }
        families.append(MetricFamily(
            name: "probe_mptcp_subflow_rtt_seconds",
            help: "Smoothed RTT of each established subflow of the probe.",
            type: .gauge,
            samples: result.subflows.compactMap { subflow in
                subflow.rttSeconds.map {
                    Sample(labels: [("local", subflow.local), ("remote", subflow.remote), ("interface", subflow.interface ?? "")], value: .double($0))
                }
            }))
        families.append(MetricFamily(
            name: "probe_mptcp_path_missing",
            help: "1 for each path the configuration offers that did not come up, with the reason.",
            type: .gauge,
            samples: result.missingPaths.map {
                Sample(labels: [("from", $0.from), ("towards", $0.towards), ("interface", $0.interface ?? ""), ("reason", $0.reason)],
                       value: .double(1))
            }))
        families.append(gauge("probe_mptcp_subflows_closed", "Subflows of the probe that closed during it (its own sub_closed events).",
                              Double(result.closedSubflows.count)))
        families.append(gauge("probe_mptcp_addresses_announced", "Addresses the peer announced to the probe (ADD_ADDR), from its own events.",
                              Double(result.announced.count)))
        families.append(gauge("probe_mptcp_events_available", "1 when the probe could see its own path-manager events (subflow closes, announcements).",
                              flag(result.eventsSeen)))
        return families
    }
}
