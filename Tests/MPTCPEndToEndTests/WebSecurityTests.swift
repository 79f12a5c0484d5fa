import Foundation
import Testing
import TestSupport

/// `--web.config.file` end to end: certificates made by openssl, curl as the
/// client, the built exporter as the server.
@Suite("TLS and basic authentication", .serialized)
struct WebSecurityTests {
    /// A CA, a server certificate for 127.0.0.1 signed by it, a client
    /// certificate signed by it, and a second CA that signed nothing we trust.
    final class PKI {
        let directory: String

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("mptcp-pki-\(getpid())-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let script = """
                set -e
                cd "$0"
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.crt 2>/dev/null
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other-ca -keyout other.key -out other.crt 2>/dev/null
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>/dev/null
                printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
                openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt 2>/dev/null
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=prometheus -keyout client.key -out client.csr 2>/dev/null
                printf 'extendedKeyUsage=clientAuth\\n' > client.ext
                openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile client.ext -out client.crt 2>/dev/null
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=intruder -keyout intruder.key -out intruder.csr 2>/dev/null
                openssl x509 -req -in intruder.csr -CA other.crt -CAkey other.key -CAcreateserial -days 2 -extfile client.ext -out intruder.crt 2>/dev/null
                """
            try Command.check(["sh", "-c", script, directory], timeout: 60)
        }

        func path(_ name: String) -> String { directory + "/" + name }

        func writeConfig(_ text: String) throws -> String {
            let file = path("web-\(UUID().uuidString).yml")
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    static let fixture = HTTPServerTests.fixture

    /// curl's exit status and the HTTP status it saw (0 when none).
    static func curl(_ arguments: [String]) throws -> (exit: Int32, status: Int, output: String) {
        let result = try Command.run(["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}"] + arguments, timeout: 20)
        return (result.status, Int(result.stdout) ?? 0, result.stderr)
    }

    static func hash(_ password: String) throws -> String {
        let result = try Command.run(["sh", "-c", "printf '%s' \"$0\" | \"$1\" hash-password --cost 4", password, Products.exporter], timeout: 20)
        guard result.succeeded else { throw Command.Failure(description: result.stderr) }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("TLS: a client that trusts the CA scrapes; one that does not is refused; plain HTTP is refused")
    func tls() throws {
        let pki = try PKI()
        let config = try pki.writeConfig("""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
            http_server_config:
              headers:
                Strict-Transport-Security: max-age=31536000
            """)
        let exporter = try ExporterProcess(arguments: Self.fixture + ["--web.config.file", config])
        #expect(exporter.process.stderr.contains("tls=true"))
        let https = "https://127.0.0.1:\(exporter.port)/metrics"

        let good = try Command.check(["curl", "-sS", "--max-time", "10", "-D", "-", "--cacert", pki.path("ca.crt"), https], timeout: 20)
        #expect(good.hasPrefix("HTTP/1.1 200"))
        #expect(good.contains("mptcp_ext_mp_capable_synrx_total 3"))
        #expect(good.contains("Strict-Transport-Security: max-age=31536000"), "headers of http_server_config")

        let untrusted = try Self.curl(["--cacert", pki.path("other.crt"), https])
        #expect(untrusted.exit == 60, "certificate verification fails: \(untrusted.output)")

        let plain = try Self.curl(["http://127.0.0.1:\(exporter.port)/metrics"])
        #expect(plain.exit != 0 && plain.status == 0, "plain HTTP on the TLS port gets no HTTP answer: \(plain)")

        let tls11 = try Self.curl(["--cacert", pki.path("ca.crt"), "--tls-max", "1.1", https])
        #expect(tls11.exit != 0 && tls11.status == 0, "below min_version TLS12: \(tls11)")
        #expect(try Self.curl(["--cacert", pki.path("ca.crt"), https]).status == 200)
        #expect(exporter.process.isRunning)
    }

    @Test("basic authentication: the right password scrapes, a bad password or none gets 401")
    func basicAuth() throws {
        let pki = try PKI()
        let config = try pki.writeConfig("""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
            basic_auth_users:
              prometheus: \(try Self.hash("s3cret: with spaces"))
            """)
        let exporter = try ExporterProcess(arguments: Self.fixture + ["--web.config.file", config])
        let https = "https://127.0.0.1:\(exporter.port)/metrics"
        let trust = ["--cacert", pki.path("ca.crt")]
        #expect(try Self.curl(trust + ["-u", "prometheus:s3cret: with spaces", https]).status == 200)
        #expect(try Self.curl(trust + ["-u", "prometheus:s3cret: with spaces", https]).status == 200, "again, from the cache")
        #expect(try Self.curl(trust + ["-u", "prometheus:wrong", https]).status == 401)
        #expect(try Self.curl(trust + ["-u", "alice:s3cret: with spaces", https]).status == 401)
        #expect(try Self.curl(trust + ["https://127.0.0.1:\(exporter.port)/"]).status == 401, "the landing page too")
        let challenge = try Command.run(["curl", "-sS", "--max-time", "10", "-D", "-", "-o", "/dev/null"] + trust + [https], timeout: 20)
        #expect(challenge.stdout.contains("WWW-Authenticate: Basic realm=\"mptcp-exporter\""))
    }

    @Test("client certificates: required and verified against client_ca_file")
    func mutualTLS() throws {
        let pki = try PKI()
        let config = try pki.writeConfig("""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              min_version: TLS13
            """)
        let exporter = try ExporterProcess(arguments: Self.fixture + ["--web.config.file", config])
        let https = "https://127.0.0.1:\(exporter.port)/metrics"
        let trust = ["--cacert", pki.path("ca.crt")]
        #expect(try Self.curl(trust + ["--cert", pki.path("client.crt"), "--key", pki.path("client.key"), https]).status == 200)
        #expect(try Self.curl(trust + [https]).status == 0, "no client certificate")
        #expect(try Self.curl(trust + ["--cert", pki.path("intruder.crt"), "--key", pki.path("intruder.key"), https]).status == 0,
                "a client certificate from another CA")
        #expect(exporter.process.isRunning)
    }

    @Test("a bad web config stops the exporter at start with the reason")
    func invalidConfig() throws {
        let pki = try PKI()
        let cases: [(String, String)] = [
            ("tls_server_config:\n  cert_file: server.crt\n  key_file: missing.key\n", "missing.key"),
            ("tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n", "does key_file match cert_file?"),
            ("basic_auth_users:\n  prometheus: hunter2\n", "not a bcrypt hash"),
            ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  unknown: 1\n", "unknown key unknown"),
        ]
        for (text, message) in cases {
            let file = try pki.writeConfig(text)
            let result = try Command.run([Products.exporter, "--web.listen-address", "127.0.0.1:0", "--web.config.file", file] + Self.fixture, timeout: 20)
            #expect(result.status == 2, "\(text)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        let missing = try Command.run([Products.exporter, "--web.listen-address", "127.0.0.1:0", "--web.config.file", "/nonexistent.yml"] + Self.fixture, timeout: 20)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read /nonexistent.yml"))
    }
}
