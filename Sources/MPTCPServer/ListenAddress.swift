/// A `--web.listen-address` value: `host:port`, `[v6]:port` or `:port`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// Host or address to bind; empty means every address (IPv6 and IPv4).
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case missingPort(String)
        case invalidPort(String)
        case unbalancedBracket(String)

        public var description: String {
            switch self {
            case let .missingPort(text): return "listen address \(text): expected host:port, [ipv6]:port or :port"
            case let .invalidPort(text): return "listen address \(text): port must be a number from 0 to 65535"
            case let .unbalancedBracket(text): return "listen address \(text): unbalanced [ ] around an IPv6 address"
            }
        }
    }

    /// Parses `127.0.0.1:9262`, `[::1]:9262`, `localhost:9262`, `:9262`.
    public static func parse(_ text: String) throws(ParseError) -> ListenAddress {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .unbalancedBracket(text) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .missingPort(text) }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .missingPort(text) }
            host = text[..<colon]
            if host.contains(":") { throw .unbalancedBracket(text) }
            portText = text[text.index(after: colon)...]
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              portText.count <= 5, let port = Int(portText), port <= 65535
        else { throw .invalidPort(text) }
        return ListenAddress(host: String(host), port: port)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
