import Foundation

/// Where the package's built executables are: next to the test bundle, in the
/// same build directory (`.build/<triple>/debug`), unless
/// `MPTCP_EXPORTER_BUILD_DIR` says otherwise.
public enum Products {
    public static var directory: String {
        if let override = ProcessInfo.processInfo.environment["MPTCP_EXPORTER_BUILD_DIR"] { return override }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // Inside an .xctest bundle directory on some layouts: step out of it.
        while url.path.contains(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }

    public static var exporter: String { directory + "/mptcp-exporter" }
    public static var loadgen: String { directory + "/mptcp-loadgen" }
    public static var top: String { directory + "/mptcp-top" }
    public static var fuzz: String { directory + "/mptcp-fuzz" }
}

/// What a test needs from the machine.
public enum Requirements {
    public static var isRoot: Bool { geteuid() == 0 }
    public static var hasPromtool: Bool { Command.which("promtool") != nil }
    public static var hasPrometheus: Bool { Command.which("prometheus") != nil }
    public static var hasIproute2: Bool { Command.which("ip") != nil && Command.which("nstat") != nil }
    public static var mptcpEnabled: Bool {
        (try? String(contentsOfFile: "/proc/sys/net/mptcp/enabled", encoding: .utf8))?.hasPrefix("1") == true
    }
    /// Root, iproute2 and an MPTCP kernel: what namespace tests need.
    public static var canBuildNamespaces: Bool { isRoot && hasIproute2 && mptcpEnabled }
}
