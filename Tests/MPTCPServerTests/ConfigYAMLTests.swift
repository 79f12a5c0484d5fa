import Testing
import Yams
@testable import MPTCPServer

/// The exporter's YAML reader against Yams (libyaml) on the same documents:
/// every document it accepts, it must read as libyaml does.
@Suite("ConfigYAML")
struct ConfigYAMLTests {
    /// Yams' tree in ConfigYAML's terms (null, strings, lists, mappings).
    static func convert(_ node: Node?) -> ConfigYAML {
        guard let node else { return .null }
        switch node {
        case let .scalar(scalar):
            if node.null != nil, scalar.style == .plain { return .null }
            return .scalar(scalar.string)
        case let .sequence(sequence):
            return .sequence(sequence.map { convert($0) })
        case let .mapping(mapping):
            return .mapping(mapping.map { ($0.key.string ?? "?", convert($0.value)) })
        case .alias:
            return .null
        }
    }

    static let documents: [String] = [
        "",
        "# only a comment\n",
        "---\ntls_server_config:\n  cert_file: server.crt\n  key_file: 'server key.pem'\n",
        """
        tls_server_config:
          cert_file: /etc/mptcp/server.crt   # the certificate
          key_file: "/etc/mptcp/server.key"
          client_auth_type: RequireAndVerifyClientCert
          client_ca_file: ca.crt
          min_version: TLS12
          cipher_suites:
            - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            - "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        http_server_config:
          http2: true
          headers:
            Strict-Transport-Security: max-age=31536000; includeSubDomains
            X-Note: 'it''s #1'
        basic_auth_users:
          prometheus: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi
          alice: "$2b$04$1WP3YTiVWq1z2IzV8WEse.gDPzj4FtFhfyj2DbQA/1IOAK9b8ni/W"
        """,
        "tls_server_config:\n  cipher_suites: [TLS_A, 'TLS_B', \"TLS_C\"]\n  empty: []\n  nothing:\n  tilde: ~\n",
        "basic_auth_users: {}\nhttp_server_config: {http2: false, 'k': \"v\"}\n",
        "list:\n- a\n- b\nafter: 1\n",
        "users:\n  - name: a\n    pass: b\n  - name: c\n",
        "escaped: \"tab\\there \\u00e9 \\\"q\\\" back\\\\slash\"\n",
        "key: value with spaces   \nurl: http://example.com:9090/x#frag\n",
        "a:\n  b:\n    c: deep\n  d: e\n",
        "windows: yes\r\nline: ends\r\n",
        "quoted 'key': 1\n\"double key\": 2\n",
        "nulls: [~, null, '', \"\"]\n",
    ]

    @Test("reads what libyaml reads", arguments: documents)
    func sameAsYams(document: String) throws {
        let expected = Self.convert(try Yams.compose(yaml: document))
        let actual = try ConfigYAML.parse(document)
        #expect(actual == expected, "\(document.debugDescription)\nours: \(actual)\nlibyaml: \(expected)")
    }

    @Test("refuses what it does not implement, naming the line", arguments: [
        ("a: &anchor 1\nb: *anchor\n", "line 1: anchors"),
        ("a: !!str 1\n", "line 1: anchors, aliases and tags"),
        ("a: |\n  text\n", "line 1: block scalars"),
        ("a:\n\tb: 1\n", "line 2: tab in indentation"),
        ("a: 1\n---\nb: 2\n", "line 2: a second document"),
        ("a: [1, [2]]\n", "nested flow"),
        ("a: [1, 2\n", "flow sequence must end"),
        ("a: b: c\n", "cannot start on the line of its key"),
        ("a: 1\na: 2\n", "line 2: key a appears twice"),
        ("a: 1\n   b: 2\n", "line 2: unexpected indentation"),
        ("a: 'open\n", "unterminated single-quoted"),
        ("a: \"bad \\q escape\"\n", "unknown escape"),
        ("a: 1\nnot a pair\n", "line 2: expected `key: value`"),
    ])
    func refuses(document: String, message: String) {
        #expect {
            try ConfigYAML.parse(document)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
