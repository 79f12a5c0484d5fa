import MPTCPWire
import MPTCPModel
/// A plain-text listing of a ``ConnectionSnapshot``: one line per connection,
/// its subflows indented below it, then the listeners.
public enum ConnectionText {
    public static func render(_ snapshot: ConnectionSnapshot) -> String {
        var lines: [String] = []
        lines.append("\(snapshot.connections.count) MPTCP connections, \(snapshot.subflowCount) subflows, \(snapshot.listeners.count) listeners")
        if !snapshot.missingFields.isEmpty {
            lines.append("not visible to this user: " + snapshot.missingFields.sorted().map(\.rawValue).joined(separator: ", "))
        }
        for connection in snapshot.connections {
            var line = "\(connection.tokenHex)  \(connection.stateName)  \(connection.localEndpoint) -> \(connection.remoteEndpoint)"
            line += "  subflows \(connection.subflows.count)"
            if connection.isFallback { line += "  FALLBACK" }
            if let info = connection.info {
                if let sent = info.bytesSent { line += "  sent \(sent)" }
                if let received = info.bytesReceived { line += "  received \(received)" }
                if let retransmits = info.retransmits, retransmits > 0 { line += "  retransmits \(retransmits)" }
            }
            lines.append(line)
            for subflow in connection.subflows {
                var row = "    \(subflow.role) \(subflow.priority)  \(subflow.localEndpoint) -> \(subflow.remoteEndpoint)"
                row += "  dev \(subflow.interface ?? "-")"
                row += "  id \(subflow.localID.map(String.init) ?? "?")/\(subflow.remoteID.map(String.init) ?? "?")"
                if let tcp = subflow.tcp {
                    if let rtt = tcp.rtt { row += "  rtt \(Double(rtt) / 1000)ms" }
                    if let cwnd = tcp.sndCwnd { row += "  cwnd \(cwnd)" }
                    if let acked = tcp.bytesAcked { row += "  acked \(acked)" }
                    if let retrans = tcp.totalRetrans, retrans > 0 { row += "  retrans \(retrans)" }
                }
                lines.append(row)
            }
        }
        for subflow in snapshot.unmatchedSubflows {
            lines.append("    (no connection) \(subflow.localEndpoint) -> \(subflow.remoteEndpoint)")
        }
        for listener in snapshot.listeners {
            lines.append("listen  \(listener.endpoint)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
