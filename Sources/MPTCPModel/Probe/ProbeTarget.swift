import MPTCPWire

/// What to probe: `host:port`, `[v6 address]:port` or `v4 address:port`.
public struct ProbeTarget: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; nil (with no guess) for anything else.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else { return nil }
        var host = Substring(text[..<colon])
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { return nil }
            host = host.dropFirst().dropLast()
            guard IPAddress(parsing: String(host))?.family == IPAddress.inet6 else { return nil }
        } else if host.contains(":") {
            return nil                                   // an IPv6 address needs its brackets
        }
        guard !host.isEmpty, host.count <= 253,
              host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "_") })
        else { return nil }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The targets a probe endpoint may reach: nothing is probed unless an entry
/// allows it. An entry is `HOST:PORT` (a name, matched as written, or an
/// address), `CIDR:PORT` (`10.0.0.0/8:443`, `[2001:db8::/32]:443`), with `*`
/// for any port.
public struct ProbeAllowList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable, CustomStringConvertible {
        enum Host: Sendable, Equatable {
            case name(String)
            case network(IPAddress, prefix: Int)
        }
        let host: Host
        /// nil: any port.
        let port: UInt16?
        public let description: String
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) { self.entries = entries }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self {
            case let .invalid(text):
                return "allowed_targets entry \"\(text)\" is not HOST:PORT, ADDRESS/PREFIX:PORT or [IPv6/PREFIX]:PORT (PORT may be *)"
            }
        }
    }

    public static func entry(_ text: String) throws(ParseError) -> Entry {
        guard let colon = text.lastIndex(of: ":") else { throw .invalid(text) }
        let portText = text[text.index(after: colon)...]
        let port: UInt16?
        if portText == "*" { port = nil } else {
            guard let number = UInt16(portText), number > 0 else { throw .invalid(text) }
            port = number
        }
        var host = Substring(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { throw .invalid(text) }
        if let slash = host.firstIndex(of: "/") {
            guard let address = IPAddress(parsing: String(host[..<slash])), let prefix = Int(host[host.index(after: slash)...]),
                  prefix >= 0, prefix <= (address.family == IPAddress.inet ? 32 : 128) else { throw .invalid(text) }
            return Entry(host: .network(address, prefix: prefix), port: port, description: text)
        }
        if let address = IPAddress(parsing: String(host)) {
            return Entry(host: .network(address, prefix: address.family == IPAddress.inet ? 32 : 128), port: port, description: text)
        }
        guard ProbeTarget(parsing: "\(host):1") != nil else { throw .invalid(text) }
        return Entry(host: .name(host.lowercased()), port: port, description: text)
    }

    /// Whether `target` may be probed at `address` (what its name resolved to):
    /// an entry naming the host as written, or a network holding the address.
    public func allows(_ target: ProbeTarget, address: IPAddress?) -> Bool {
        entries.contains { entry in
            guard entry.port == nil || entry.port == target.port else { return false }
            switch entry.host {
            case let .name(name):
                return name == target.host.lowercased()
            case let .network(network, prefix):
                guard let address = address?.unmappedIPv4 else { return false }
                return InterfaceTable.sameSubnet(network, address, prefix)
            }
        }
    }
}
