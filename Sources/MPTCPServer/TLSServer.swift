import NIOCore
import MPTCPKernel
import NIOSSL

/// The TLS side of `tls_server_config`: a BoringSSL context (swift-nio-ssl)
/// made once at start, and one handler per connection.
public struct TLSServer: Sendable {
    let context: NIOSSLContext
    /// RequestClientCert and RequireAnyClientCert ask for a certificate but
    /// do not verify it (Go's semantics).
    let acceptAnyCertificate: Bool

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Loads the certificate chain, key and client CAs; fails with the file at fault.
    public init(_ tls: WebConfig.TLS) throws {
        // NIOSSL says only failedToLoadCertificate: first check each file can be read, naming it and the errno.
        for (key, file) in [("cert_file", tls.certFile), ("key_file", tls.keyFile), ("client_ca_file", tls.clientCAFile)] {
            guard let file else { continue }
            do { _ = try InputFile.read(file, limit: 16 << 20) } catch { throw Failure(description: "\(key): \(error)") }
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(tls.certFile)
        } catch {
            throw Failure(description: "cert_file \(tls.certFile): \(error)")
        }
        guard !chain.isEmpty else { throw Failure(description: "cert_file \(tls.certFile): no certificate in it") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)
        } catch {
            throw Failure(description: "key_file \(tls.keyFile): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = Self.version(tls.minVersion)
        configuration.maximumTLSVersion = tls.maxVersion.map(Self.version)
        if !tls.cipherSuites.isEmpty {
            configuration.cipherSuiteValues = tls.cipherSuites.compactMap { CipherSuites.code($0).map(NIOTLSCipher.init(rawValue:)) }
        }
        if let ca = tls.clientCAFile {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            } catch {
                throw Failure(description: "client_ca_file \(ca): \(error)")
            }
            configuration.sendCANameList = true
        }
        switch tls.clientAuth {
        case .noClientCert:
            configuration.certificateVerification = .none
        case .requestClientCert, .verifyClientCertIfGiven:
            configuration.certificateVerification = .optionalVerification
        case .requireAnyClientCert, .requireAndVerifyClientCert:
            configuration.certificateVerification = .noHostnameVerification
        }
        acceptAnyCertificate = tls.clientAuth == .requestClientCert || tls.clientAuth == .requireAnyClientCert
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(description: "TLS: \(error) (does key_file match cert_file?)")
        }
    }

    func handler() -> NIOSSLServerHandler {
        if acceptAnyCertificate {
            return NIOSSLServerHandler(context: context) { _, promise in promise.succeed(.certificateVerified) }
        }
        return NIOSSLServerHandler(context: context)
    }

    private static func version(_ version: WebConfig.TLSVersion) -> TLSVersion {
        switch version {
        case .tls10: return .tlsv1
        case .tls11: return .tlsv11
        case .tls12: return .tlsv12
        case .tls13: return .tlsv13
        }
    }
}
