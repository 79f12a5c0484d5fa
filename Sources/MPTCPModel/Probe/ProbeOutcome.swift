/// What asking for a probe gives.
public enum ProbeOutcome: Sendable {
    case result(ProbeResult)
    /// The target is not in the allow-list (the text names what it resolved to).
    case refused(String)
    /// As many probes as allowed are running.
    case busy

    /// JSON of a ``ProbeResult`` (snake-case keys, sorted).
    public static func json(_ result: ProbeResult) -> [UInt8] {
        LiveSnapshotJSON.encodeAny(result)
    }
}
