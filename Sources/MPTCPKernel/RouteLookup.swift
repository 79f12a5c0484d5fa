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
            // By source address alone (what reverse-path filtering looks up), and,
            // for an endpoint with a `dev`, bound to it as the kernel's lookup
            // for the subflow is (the socket is bound to that device).
            let device = endpoint.interfaceIndex > 0 ? UInt32(endpoint.interfaceIndex) : nil
            for destination in destinations {
                for bound in [nil] + (device.map { [$0] } ?? []) {
                    checks.append(lookup(socket, endpoint: endpoint.id, source: source, destination: destination,
                                         device: bound, interfaces: interfaces))
                }
            }
        }
        return checks
    }

    static func lookup(_ socket: NetlinkSocket, endpoint: UInt8, source: IPAddress, destination: IPAddress,
                       device: UInt32?, interfaces: InterfaceTable) -> RouteCheck {
        var answer: RouteRequest.Answer?
        var errorCode: Int32?
        var malformed: String?
        do {
            try socket.exchange(request: {
                RouteRequest.get(destination: destination, source: source, outputInterface: device, sequence: $0)
            }) { message throws(NetlinkDecodeError) in
                if let decoded = try RouteRequest.answer(message), decoded.outputInterface != nil { answer = decoded }
            }
        } catch {
            switch error {
            case let .kernel(code): errorCode = code
            case let .system(failure): errorCode = failure.code
            case .interrupted: errorCode = nil
            case let .malformed(failure): malformed = "\(failure)"
            }
        }
        let name = { (index: UInt32) in InterfaceTable.name(of: index, in: interfaces.namesByIndex) }
        // Asked without a socket, IPv6 treats the output interface as a
        // preference and may answer with a route through another device; a
        // socket bound to the device (the subflow's) gets ENETUNREACH there.
        if let device, let other = answer?.outputInterface, other != device {
            return RouteCheck(endpointID: endpoint, source: "\(source)", destination: "\(destination)", interface: nil,
                              error: "ENETUNREACH (routes leave by \(name(other)))", boundDevice: name(device))
        }
        return RouteCheck(
            endpointID: endpoint, source: "\(source)", destination: "\(destination)",
            interface: answer?.outputInterface.map(name),
            error: answer == nil ? malformed ?? errorCode.map(ErrnoNames.name) ?? "no route" : nil,
            boundDevice: device.map(name),
            // Only a bound lookup can fall back to the on-link guess; RTA_TABLE 0 says it did.
            assumedOnLink: device != nil && answer?.table == 0)
    }
}
