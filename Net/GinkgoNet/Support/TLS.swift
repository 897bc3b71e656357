import NIOSSL

/// TLS for a ``StreamServer``: its certificate chain and private key, as PEM files.
///
/// ```swift
/// var configuration = StreamServer.Configuration()
/// configuration.tls = ServerTLS(certificateFile: "server.pem", privateKeyFile: "server.key")
/// ```
public struct ServerTLS: Sendable, Hashable {
    /// The PEM file with the server's certificate, then any intermediates.
    public var certificateFile: String
    /// The PEM file with the certificate's private key.
    public var privateKeyFile: String

    /// TLS from a certificate chain file and a key file.
    public init(certificateFile: String, privateKeyFile: String) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
    }

    /// Loads the files; a missing or malformed file is a ``NetError`` naming it.
    func makeContext(endpoint: String) throws -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map {
                NIOSSLCertificateSource.certificate($0)
            }
            let key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain,
                privateKey: .privateKey(key)
            )
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw NetError(
                .tls,
                endpoint: endpoint,
                reason: "check that \(certificateFile) and \(privateKeyFile) are readable PEM files",
                underlying: error
            )
        }
    }
}

/// TLS for a ``StreamClient``: which certificates it trusts and the name it expects.
///
/// ```swift
/// var configuration = StreamClient.Configuration()
/// configuration.tls = ClientTLS(trustRootsFile: "ca.pem", serverName: "localhost")
/// ```
public struct ClientTLS: Sendable, Hashable {
    /// A PEM file of the certificates to trust; `nil` trusts the system's roots.
    public var trustRootsFile: String?
    /// The name to send (SNI) and verify the certificate against; `nil` uses the host.
    public var serverName: String?
    /// Whether to verify the server's certificate; turn off only in tests.
    public var verifiesCertificate: Bool

    /// Client TLS trusting `trustRootsFile` (or the system's roots).
    public init(trustRootsFile: String? = nil, serverName: String? = nil, verifiesCertificate: Bool = true) {
        self.trustRootsFile = trustRootsFile
        self.serverName = serverName
        self.verifiesCertificate = verifiesCertificate
    }

    func makeContext(endpoint: String) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let trustRootsFile { configuration.trustRoots = .file(trustRootsFile) }
        if !verifiesCertificate { configuration.certificateVerification = .none }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw NetError(.tls, endpoint: endpoint, reason: "check the trust roots file", underlying: error)
        }
    }
}
