/// `--web.config.file`: TLS, basic authentication and response headers, in
/// the format of the Prometheus exporter-toolkit, so one file serves
/// node_exporter and mptcp-exporter alike:
///
/// ```yaml
/// tls_server_config:
///   cert_file: server.crt          # relative paths: to the file's directory
///   key_file: server.key
///   client_auth_type: RequireAndVerifyClientCert   # default NoClientCert
///   client_ca_file: ca.crt
///   min_version: TLS12             # TLS10 … TLS13; default TLS12
///   max_version: TLS13
///   cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]   # TLS 1.2 and below
/// http_server_config:
///   headers: {Strict-Transport-Security: max-age=31536000}
/// basic_auth_users:
///   prometheus: $2y$10$…           # bcrypt (mptcp-exporter hash-password)
/// ```
///
/// Keys are checked strictly, as the exporter-toolkit does: an unknown key,
/// or one this exporter does not implement (`curve_preferences`,
/// `client_allowed_sans`, inline `cert`/`key`), is an error at start, never
/// silently weaker security.
public struct WebConfig: Sendable, Equatable {
    public struct TLS: Sendable, Equatable {
        public var certFile: String
        public var keyFile: String
        public var clientAuth: ClientAuth = .noClientCert
        public var clientCAFile: String?
        public var minVersion: TLSVersion = .tls12
        public var maxVersion: TLSVersion?
        /// IANA names, as Go spells them.
        public var cipherSuites: [String] = []
    }

    /// `client_auth_type`, in Go's `tls.ClientAuthType` names.
    public enum ClientAuth: String, Sendable, CaseIterable {
        case noClientCert = "NoClientCert"
        case requestClientCert = "RequestClientCert"
        case requireAnyClientCert = "RequireAnyClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

        var verifies: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }
    }

    public enum TLSVersion: String, Sendable, CaseIterable, Comparable {
        case tls10 = "TLS10", tls11 = "TLS11", tls12 = "TLS12", tls13 = "TLS13"

        private var rank: Int {
            switch self {
            case .tls10: return 0
            case .tls11: return 1
            case .tls12: return 2
            case .tls13: return 3
            }
        }

        public static func < (a: TLSVersion, b: TLSVersion) -> Bool { a.rank < b.rank }
    }

    public var tls: TLS?
    /// User name → bcrypt hash.
    public var basicAuthUsers: [String: String] = [:]
    /// Extra response headers.
    public var headers: [(String, String)] = []

    public init() {}

    public static func == (a: WebConfig, b: WebConfig) -> Bool {
        a.tls == b.tls && a.basicAuthUsers == b.basicAuthUsers
            && a.headers.map { "\($0.0): \($0.1)" } == b.headers.map { "\($0.0): \($0.1)" }
    }

    public typealias Invalid = ConfigYAML.Invalid

    /// Parses the file's text. `directory` resolves relative file names.
    public static func parse(_ text: String, directory: String) throws -> WebConfig {
        let root: ConfigYAML
        do {
            root = try ConfigYAML.parse(text)
        } catch {
            throw Invalid("not YAML (or YAML this exporter does not read): \(error)")
        }
        var config = WebConfig()
        if root.isNull { return config }
        let top = try ConfigYAML.mapping(root, "the file")
        try ConfigYAML.known(top, ["tls_server_config", "http_server_config", "basic_auth_users"], "the file")
        if let node = top["tls_server_config"], !node.isNull {
            let tlsMap = try ConfigYAML.mapping(node, "tls_server_config")
            try ConfigYAML.known(tlsMap, ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version",
                               "cipher_suites", "prefer_server_cipher_suites"], "tls_server_config",
                      unsupported: ["cert", "key", "client_ca", "curve_preferences", "client_allowed_sans"])
            guard let cert = try ConfigYAML.string(tlsMap["cert_file"], "tls_server_config.cert_file"), !cert.isEmpty else {
                throw Invalid("tls_server_config needs cert_file")
            }
            guard let key = try ConfigYAML.string(tlsMap["key_file"], "tls_server_config.key_file"), !key.isEmpty else {
                throw Invalid("tls_server_config needs key_file")
            }
            var tls = TLS(certFile: resolve(cert, directory), keyFile: resolve(key, directory))
            if let text = try ConfigYAML.string(tlsMap["client_auth_type"], "client_auth_type"), !text.isEmpty {
                guard let auth = ClientAuth(rawValue: text) else {
                    throw Invalid("client_auth_type \(text) is not one of \(ClientAuth.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls.clientAuth = auth
            }
            if let ca = try ConfigYAML.string(tlsMap["client_ca_file"], "client_ca_file"), !ca.isEmpty {
                tls.clientCAFile = resolve(ca, directory)
            }
            if tls.clientAuth.verifies, tls.clientCAFile == nil {
                throw Invalid("client_auth_type \(tls.clientAuth.rawValue) needs client_ca_file")
            }
            if let text = try ConfigYAML.string(tlsMap["min_version"], "min_version") { tls.minVersion = try version(text) }
            if let text = try ConfigYAML.string(tlsMap["max_version"], "max_version") { tls.maxVersion = try version(text) }
            if let max = tls.maxVersion, max < tls.minVersion {
                throw Invalid("max_version \(max.rawValue) is below min_version \(tls.minVersion.rawValue)")
            }
            if let suites = tlsMap["cipher_suites"] {
                tls.cipherSuites = try ConfigYAML.strings(suites, "cipher_suites")
                for name in tls.cipherSuites where CipherSuites.code(name) == nil {
                    throw Invalid("cipher suite \(name) is unknown (known: \(CipherSuites.names.joined(separator: ", ")))")
                }
            }
            config.tls = tls
        }
        if let node = top["http_server_config"], !node.isNull {
            let http = try ConfigYAML.mapping(node, "http_server_config")
            try ConfigYAML.known(http, ["http2", "headers"], "http_server_config")
            if let headers = http["headers"], !headers.isNull {
                for (name, value) in try ConfigYAML.pairs(headers, "http_server_config.headers") {
                    guard HeaderName.isToken(name), !value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                        throw Invalid("http_server_config.headers: \(name) is not a valid header")
                    }
                    guard !HeaderName.reserved.contains(name.lowercased()) else {
                        throw Invalid("http_server_config.headers: \(name) is set by the server itself")
                    }
                    config.headers.append((name, value))
                }
            }
        }
        if let node = top["basic_auth_users"], !node.isNull {
            for (user, hash) in try ConfigYAML.pairs(node, "basic_auth_users") {
                guard !user.isEmpty, !user.contains(":") else { throw Invalid("basic_auth_users: user name \(user.debugDescription) is empty or has a colon") }
                guard Bcrypt.isHash(hash) else {
                    throw Invalid("basic_auth_users.\(user): not a bcrypt hash ($2a$, $2b$ or $2y$; make one with `mptcp-exporter hash-password`)")
                }
                config.basicAuthUsers[user] = hash
            }
        }
        return config
    }

    private static func resolve(_ path: String, _ directory: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
    }

    private static func version(_ text: String) throws -> TLSVersion {
        guard let version = TLSVersion(rawValue: text) else {
            throw Invalid("TLS version \(text) is not one of \(TLSVersion.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return version
    }
}

/// Header names: RFC 9110 tokens, and the ones the server writes itself.
enum HeaderName {
    static let reserved: Set<String> = ["content-length", "content-type", "content-encoding", "transfer-encoding",
                                        "connection", "vary", "allow", "www-authenticate", "date"]

    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

/// The TLS 1.2 cipher suites a web config may name, by their IANA names
/// (Go's `tls.CipherSuiteName` spelling), and their code points.
public enum CipherSuites {
    static let table: [(String, UInt16)] = [
        ("TLS_RSA_WITH_AES_128_CBC_SHA", 0x002F),
        ("TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035),
        ("TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009C),
        ("TLS_RSA_WITH_AES_256_GCM_SHA384", 0x009D),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC009),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xC00A),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC013),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xC014),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02B),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xC02C),
        ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC02F),
        ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xC030),
        ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA8),
        ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9),
        // Go's older names of the two ChaCha20 suites.
        ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", 0xCCA8),
        ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", 0xCCA9),
    ]

    public static var names: [String] { table.map(\.0) }

    public static func code(_ name: String) -> UInt16? {
        table.first { $0.0 == name }?.1
    }
}
