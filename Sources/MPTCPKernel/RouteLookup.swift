import MPTCPWire
import MPTCPModel

/// Route lookups through rtnetlink (`RTM_GETROUTE`): a question to the
/// routing tables, nothing is sent on the network.
public enum RouteLookup {
    /// For each endpoint with the subflow flag: a lookup towards up to 8
    /// remote addresses of current connections of its family, and towards a
    /// documentation address (192.0.2.1, 2001:db8::1) standing for "anywhere".
    public static func check(endpoints: [Endpoint], remotes: [IPAddress], interfaces: InterfaceTable) -> [RouteCheck] {
        guard let socket = try? NetlinkSocket(protocol: 0 /* NETLINK_ROUTE */) else { return [] }
        var checks: [RouteCheck] = []
        for endpoint in endpoints where endpoint.has("subflow") {
            guard let source = endpoint.address else { continue }
            let probe = source.family == IPAddress.inet ? IPAddress(parsing: "192.0.2.1") : IPAddress(parsing: "2001:db8::1")
            let destinations = Array(remotes.filter { $0.family == source.family }.prefix(8)) + [probe].compactMap { $0 }
            for destination in destinations {
                var index: UInt32?
                var errorCode: Int32?
                var malformed: String?
                do {
                    try socket.exchange(request: { RouteRequest.get(destination: destination, source: source, sequence: $0) }) {
                        message throws(NetlinkDecodeError) in
                        if let oif = try RouteRequest.outputInterface(message) { index = oif }
                    }
                } catch {
                    switch error {
                    case let .kernel(code): errorCode = code
                    case let .system(failure): errorCode = failure.code
                    case .interrupted: errorCode = nil
                    case let .malformed(failure): malformed = "\(failure)"
                    }
                }
                checks.append(RouteCheck(
                    endpointID: endpoint.id, source: "\(source)", destination: "\(destination)",
                    interface: index.map { InterfaceTable.name(of: $0, in: interfaces.namesByIndex) },
                    error: index == nil ? malformed ?? errorCode.map(ErrnoNames.name) ?? "no route" : nil))
            }
        }
        return checks
    }
}
