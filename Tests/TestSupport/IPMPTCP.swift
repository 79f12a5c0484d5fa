import Foundation
/// What `ip mptcp` prints, the reference for the path-manager collectors.
public enum IPMPTCP {
    /// `ip mptcp endpoint show` output as "address|id|port|flags|dev" lines.
    public static func endpoints(in output: String) -> Set<String> {
        Set(output.split(separator: "\n").map { line in
            let fields = line.split(separator: " ").map(String.init)
            var id = "", port = "", dev = "", flags: [String] = []
            var index = 1
            while index < fields.count {
                switch fields[index] {
                case "id", "port", "dev":
                    let value = index + 1 < fields.count ? fields[index + 1] : ""
                    if fields[index] == "id" { id = value } else if fields[index] == "port" { port = value } else { dev = value }
                    index += 2
                default: flags.append(fields[index]); index += 1
                }
            }
            return "\(fields.first ?? "")|\(id)|\(port)|\(flags.joined(separator: ","))|\(dev)"
        })
    }

    /// `ip mptcp limits show` output: "add_addr_accepted 2 subflows 2".
    public static func limits(in output: String) -> (subflows: String?, addAddrAccepted: String?) {
        let words = output.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        func value(_ key: String) -> String? {
            words.firstIndex(of: key).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }
        }
        return (value("subflows"), value("add_addr_accepted"))
    }

    /// Event lines of `ip mptcp monitor` output counted by the exporter's
    /// event type names.
    public static func eventCounts(in output: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("[") {
            let name = line.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
            counts[monitorTypes[name] ?? "unknown:\(name)", default: 0] += 1
        }
        return counts
    }

    /// `ip mptcp monitor`'s names (iproute2 6.1 prints the listener events
    /// as `UNKNOWN 15`/`UNKNOWN 16`) → the exporter's event types.
    public static let monitorTypes = [
        "CREATED": "created", "ESTABLISHED": "established", "CLOSED": "closed", "ANNOUNCED": "announced",
        "REMOVED": "removed", "SF_ESTABLISHED": "sub_established", "SF_CLOSED": "sub_closed", "SF_PRIO": "sub_priority",
        "UNKNOWN 15": "listener_created", "UNKNOWN 16": "listener_closed", "LISTENER_CREATED": "listener_created",
        "LISTENER_CLOSED": "listener_closed",
    ]
}
