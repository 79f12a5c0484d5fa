import Testing
@testable import MPTCPServer

@Suite("Web configuration file")
struct WebConfigTests {
    /// Made with `printf secret | mptcp-exporter hash-password --cost 4`.
    static let secretHash = "$2b$04$1WP3YTiVWq1z2IzV8WEse.gDPzj4FtFhfyj2DbQA/1IOAK9b8ni/W"

    @Test("the exporter-toolkit example: TLS with client certificates, basic auth, headers")
    func fullExample() throws {
        let config = try WebConfig.parse("""
            tls_server_config:
              cert_file: server.crt
              key_file: /etc/keys/server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              min_version: TLS13
              cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
              prefer_server_cipher_suites: true
            http_server_config:
              http2: false
              headers:
                Strict-Transport-Security: max-age=31536000
                X-Frame-Options: deny
            basic_auth_users:
              prometheus: \(Self.secretHash)
            """, directory: "/etc/mptcp")
        let tls = try #require(config.tls)
        #expect(tls.certFile == "/etc/mptcp/server.crt", "relative to the file's directory")
        #expect(tls.keyFile == "/etc/keys/server.key")
        #expect(tls.clientCAFile == "/etc/mptcp/ca.crt")
        #expect(tls.clientAuth == .requireAndVerifyClientCert)
        #expect(tls.minVersion == .tls13)
        #expect(tls.cipherSuites == ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"])
        #expect(config.basicAuthUsers == ["prometheus": Self.secretHash])
        #expect(config.headers.map(\.0) == ["Strict-Transport-Security", "X-Frame-Options"])
    }

    @Test("an empty file, or empty sections, turn nothing on")
    func empty() throws {
        #expect(try WebConfig.parse("", directory: ".") == WebConfig())
        #expect(try WebConfig.parse("tls_server_config:\nbasic_auth_users:\n", directory: ".") == WebConfig())
    }

    @Test("every mistake is an error that names it", arguments: [
        ("tls_server_config:\n  cert_file: a\n", "needs key_file"),
        ("tls_server_config:\n  key_file: a\n", "needs cert_file"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes\n", "client_auth_type Sometimes"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n", "needs client_ca_file"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n", "TLS14"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n", "below min_version"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_NULL]\n", "TLS_NULL is unknown"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  curve_preferences: [X25519]\n", "curve_preferences is not supported"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [x]\n", "client_allowed_sans is not supported"),
        ("tls_server_config:\n  cert_file: a\n  key_fiel: b\n", "unknown key key_fiel"),
        ("basic_auth_users:\n  alice: plaintext\n", "not a bcrypt hash"),
        ("basic_auth_users:\n  alice: $2b$04$short\n", "not a bcrypt hash"),
        ("basic_auth_users: [alice]\n", "must be a mapping"),
        ("http_server_config:\n  headers:\n    Content-Type: text/html\n", "set by the server itself"),
        ("http_server_config:\n  headers:\n    \"Bad Name\": x\n", "not a valid header"),
        ("basic_auth: {}\n", "unknown key basic_auth"),
        ("- a\n- b\n", "must be a mapping"),
        ("tls_server_config: [\n", "not YAML"),
    ])
    func invalid(text: String, message: String) {
        #expect {
            try WebConfig.parse(text, directory: ".")
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("bcrypt: $2a$, $2b$ and $2y$ hashes verify; wrong passwords and malformed hashes do not")
    func bcrypt() throws {
        #expect(Bcrypt.verify(password: "secret", hash: Self.secretHash))
        #expect(!Bcrypt.verify(password: "Secret", hash: Self.secretHash))
        #expect(!Bcrypt.verify(password: "secret\u{0}", hash: Self.secretHash))
        for variant in ["$2a$", "$2y$"] {
            let hash = variant + Self.secretHash.dropFirst(4)
            #expect(Bcrypt.verify(password: "secret", hash: hash), "\(variant)")
        }
        #expect(!Bcrypt.verify(password: "secret", hash: "$1$abc$def"))
        #expect(!Bcrypt.verify(password: "secret", hash: ""))
        let made = try #require(Bcrypt.hash(password: "another one", cost: 4))
        #expect(made.hasPrefix("$2b$04$"))
        #expect(Bcrypt.verify(password: "another one", hash: made))
        #expect(Bcrypt.hash(password: "x", cost: 3) == nil)
    }

    @Test("basic credentials: RFC 7617 parsing, and only the right password of a known user passes")
    func basicAuth() async {
        #expect(BasicAuthenticator.credentials("Basic cHJvbWV0aGV1czpzZWNyZXQ=")! == ("prometheus", "secret"))
        #expect(BasicAuthenticator.credentials("basic  cHJvbWV0aGV1czpzZWNyZXQ=")! == ("prometheus", "secret"))
        #expect(BasicAuthenticator.credentials("Basic cHJvbWV0aGV1czo=")! == ("prometheus", ""))
        #expect(BasicAuthenticator.credentials("Basic cHJvbWV0aGV1cw==") == nil, "no colon")
        #expect(BasicAuthenticator.credentials("Bearer abc") == nil)
        #expect(BasicAuthenticator.credentials("Basic !!!") == nil)
        #expect(BasicAuthenticator.credentials("Basic") == nil)

        let authenticator = BasicAuthenticator(users: ["prometheus": Self.secretHash])
        #expect(await authenticator.allows(authorization: "Basic cHJvbWV0aGV1czpzZWNyZXQ="))
        #expect(await authenticator.allows(authorization: "Basic cHJvbWV0aGV1czpzZWNyZXQ="), "remembered")
        #expect(!(await authenticator.allows(authorization: "Basic cHJvbWV0aGV1czp3cm9uZw==")), "prometheus:wrong")
        #expect(!(await authenticator.allows(authorization: "Basic YWxpY2U6c2VjcmV0")), "alice:secret, unknown user")
        #expect(!(await authenticator.allows(authorization: nil)))
        #expect(await BasicAuthenticator(users: [:]).allows(authorization: nil), "no users: no authentication")
    }

    @Test("base64 decoding refuses what is not base64")
    func base64() {
        #expect(Base64.decode("aGVsbG8=") == Array("hello".utf8))
        #expect(Base64.decode("aGVsbG8") == Array("hello".utf8))
        #expect(Base64.decode("") == [])
        #expect(Base64.decode("a") == nil)
        #expect(Base64.decode("aGVs=bG8") == nil)
        #expect(Base64.decode("aGVsbG8===") == nil)
        #expect(Base64.decode("aGV\nsbG8=") == nil)
    }
}
