/// What `nstat` says, the reference the exporter is compared with.
public enum Nstat {
    /// Absolute values of every counter (`nstat -asz`: ignore and keep the
    /// history, show zeros), keyed by nstat name (`MPTcpExtMPCapableSYNTX`).
    public static func absolute(namespace: String?) throws -> [String: UInt64] {
        let command = ["nstat", "-asz"]
        return parse(try Command.check(namespace.map { ["ip", "netns", "exec", $0] + command } ?? command))
    }

    /// The values of `nstat -asz` output (a recording of another machine's run).
    public static func parse(_ output: String) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        for line in output.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, let value = UInt64(fields[1]) { values[String(fields[0])] = value }
        }
        return values
    }

    /// The MPTcpExt counters only, keyed by kernel name (`MPCapableSYNTX`).
    public static func mptcp(namespace: String?) throws -> [String: UInt64] {
        mptcp(of: try absolute(namespace: namespace))
    }

    /// The MPTcpExt counters of parsed `nstat` values, keyed by kernel name.
    public static func mptcp(of values: [String: UInt64]) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for (name, value) in values where name.hasPrefix("MPTcpExt") {
            result[String(name.dropFirst("MPTcpExt".count))] = value
        }
        return result
    }
}
