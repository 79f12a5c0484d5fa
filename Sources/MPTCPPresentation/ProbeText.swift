import MPTCPModel

/// A probe's verdict for a person: the answer first, then the evidence.
public enum ProbeText {
    public static func render(_ result: ProbeResult, log: Bool = false) -> String {
        var lines: [String] = []
        let verdict = result.success ? "OK" : "FAILED"
        lines.append("\(verdict): MPTCP probe of \(result.target)" + (result.address.map { $0 == result.target ? "" : " (\($0))" } ?? "")
                     + ", module \(result.module), \(milliseconds(result.durationSeconds))")
        if let failure = result.failure { lines.append("  why: \(failure)") }
        if let connect = result.connectSeconds {
            lines.append("  connected in \(milliseconds(connect)) from \(result.local ?? "?")")
            if let fallback = result.fallback {
                lines.append("  MPTCP: no, fell back to TCP at \(fallback.stage.rawValue): \(fallback.explanation)")
            } else {
                lines.append("  MPTCP: yes (MP_CAPABLE negotiated, still MPTCP at the end)")
            }
        }
        if !result.subflows.isEmpty {
            let expected = result.expectedSubflows.map { ", \($0) expected (\(result.expectedBecause))" } ?? " (\(result.expectedBecause))"
            lines.append("  subflows: \(result.subflowsUp) up\(expected)")
            for subflow in result.subflows {
                let id = subflow.id.map { "#\($0) " } ?? ""
                let rtt = subflow.rttSeconds.map { ", rtt \(milliseconds($0))" } ?? ""
                lines.append("    \(id)\(subflow.local) → \(subflow.remote)\(subflow.interface.map { " via \($0)" } ?? ""): \(subflow.state)\(rtt)")
            }
        }
        for path in result.missingPaths {
            lines.append("  path not up: \(path.from)\(path.interface.map { " (\($0))" } ?? "") → \(path.towards): \(path.reason)")
        }
        for closed in result.closedSubflows {
            lines.append("  subflow closed: \(closed.local ?? "?") → \(closed.remote ?? "?"): \(closed.error)"
                         + (closed.resetReason.map { ", reset reason \($0)" } ?? ""))
        }
        if !result.announced.isEmpty { lines.append("  the peer announced: \(result.announced.joined(separator: ", "))") }
        if !result.eventsSeen, result.connectSeconds != nil {
            lines.append("  (own path-manager events not seen: \(result.eventsUnavailable ?? "not listened to"); subflow closes and announcements unknown)")
        }
        if let bytes = result.answerBytes { lines.append("  answer: \(bytes) bytes") }
        if log, !result.log.isEmpty {
            lines.append("")
            lines.append("Probe log:")
            lines += result.log.map { "  " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func milliseconds(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "? ms" }
        if seconds < 0.001 { return "\(Double(Int((seconds * 1_000_000).rounded())) / 1000) ms" }
        if seconds < 0.01 { return "\(Double(Int((seconds * 10000).rounded())) / 10) ms" }
        return "\(Int((seconds * 1000).rounded())) ms"
    }
}
