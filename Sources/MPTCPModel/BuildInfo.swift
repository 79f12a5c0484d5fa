/// Version of this build, reported by `--version` and `mptcp_exporter_build_info`.
public enum BuildInfo {
    public static let version = "0.1.0"
    public static let name = "mptcp-exporter"
}
