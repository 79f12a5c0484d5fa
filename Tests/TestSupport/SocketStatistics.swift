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
        for (tuple, words) in details(in: output) where words["tcp-ulp-mptcp"] != nil {
            // token:0000(id:0)/8ded3e77(id:0): remote/local, without leading zeros.
            guard let token = words["token"] else { continue }
            let parts = token.split(separator: "/")
            guard parts.count == 2 else { continue }
            let localToken = String(parts[1].prefix { $0 != "(" })
            let padded = String(repeating: "0", count: max(0, 8 - localToken.count)) + localToken
            result.insert(SubflowLine(localToken: padded, local: tuple.local, remote: tuple.remote))
        }
        return result
    }

    public struct Tuple: Hashable, Sendable {
        public var local: String
        public var remote: String
        public var text: String { "\(local) -> \(remote)" }
    }

    /// `ss -…inH` output: per socket that is not listening, its two ends (a
    /// bound socket's device removed: `10.0.2.1%c2:port`), then the `key:value`
    /// words of its detail line (bare words such as `fallback` with "").
    /// Keyed by four-tuple: of two sockets with one four-tuple (a port freed
    /// and taken again), the last one listed.
    public static func details(in output: String) -> [Tuple: [String: String]] {
        var result: [Tuple: [String: String]] = [:]
        for (tuple, words) in sockets(in: output) { result[tuple] = words }
        return result
    }

    /// The same, one entry per socket in the order `ss` listed them (`ss -E`
    /// lists every socket freed, and a four-tuple may come twice).
    public static func sockets(in output: String) -> [(tuple: Tuple, words: [String: String])] {
        var result: [(tuple: Tuple, words: [String: String])] = []
        var current: Tuple?
        var entered = false   // the current socket has its entry (a later detail line replaces it)
        for line in output.split(separator: "\n") {
            if !line.hasPrefix("\t") && !line.hasPrefix(" ") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                current = fields.count >= 5 && fields[0] != "LISTEN"
                    ? Tuple(local: withoutDevice(fields[3]), remote: withoutDevice(fields[4])) : nil
                entered = false
                continue
            }
            guard let tuple = current else { continue }
            var words: [String: String] = [:]
            for word in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                if let colon = word.firstIndex(of: ":") {
                    words[String(word[..<colon])] = String(word[word.index(after: colon)...])
                } else {
                    words[String(word)] = ""
                }
            }
            if entered { result[result.count - 1].words = words } else { result.append((tuple, words)) }
            entered = true
        }
        return result
    }
}
