/// What `ss` says about MPTCP sockets, the reference for the connections collector.
public enum SocketStatistics {
    public struct SubflowLine: Hashable, Sendable {
        public var localToken: String
        public var local: String
        public var remote: String
        public init(localToken: String, local: String, remote: String) {
            self.localToken = localToken
            self.local = local
            self.remote = remote
        }
    }

    /// `ss -MnH`: the 4-tuples of MPTCP sockets that are not listening.
    public static func mptcpConnections(namespace: String) throws -> Set<String> {
        mptcpConnections(in: try Command.check(["ip", "netns", "exec", namespace, "ss", "-MnH"]))
    }

    /// The 4-tuples of recorded `ss -MnH` output.
    public static func mptcpConnections(in output: String) -> Set<String> {
        var tuples = Set<String>()
        for line in output.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 5, fields[0] != "LISTEN" else { continue }
            tuples.insert("\(fields[3]) -> \(fields[4])")
        }
        return tuples
    }

    /// `10.0.2.1%c2:5201` → `10.0.2.1:5201`, `[fd00::1]%c2:5201` → `[fd00::1]:5201`.
    public static func withoutDevice(_ endpoint: Substring) -> String {
        guard let percent = endpoint.firstIndex(of: "%"), let colon = endpoint.lastIndex(of: ":"), percent < colon else {
            return String(endpoint)
        }
        return String(endpoint[..<percent]) + String(endpoint[colon...])
    }

    /// `ss -tinH`: TCP sockets with the mptcp ULP and their local token.
    public static func subflows(namespace: String) throws -> Set<SubflowLine> {
        subflows(in: try Command.check(["ip", "netns", "exec", namespace, "ss", "-tinH"]))
    }

    /// The subflows of recorded `ss -tinH` output.
    public static func subflows(in output: String) -> Set<SubflowLine> {
        var result = Set<SubflowLine>()
        var header: [Substring] = []
        for line in output.split(separator: "\n") {
            if !line.hasPrefix("\t") && !line.hasPrefix(" ") {
                header = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                continue
            }
            guard header.count >= 5, header[0] != "LISTEN", line.contains("tcp-ulp-mptcp"),
                  let range = line.range(of: "token:") else { continue }
            let token = line[range.upperBound...].prefix { $0 != " " }
            let parts = token.split(separator: "/")
            guard parts.count == 2 else { continue }
            // ss prints tokens without leading zeros, and a bound socket's
            // address with its device (10.0.2.1%c2:port).
            let localToken = String(parts[1].prefix { $0 != "(" })
            let padded = String(repeating: "0", count: max(0, 8 - localToken.count)) + localToken
            result.insert(SubflowLine(localToken: padded, local: withoutDevice(header[3]), remote: withoutDevice(header[4])))
        }
        return result
    }
}
