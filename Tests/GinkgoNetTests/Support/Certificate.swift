import Foundation
import TestSupport

/// A self-signed certificate for `localhost` and `127.0.0.1`, made with the openssl CLI.
struct Certificate {
    let directory: URL
    var certificateFile: String { directory.appendingPathComponent("cert.pem").path }
    var privateKeyFile: String { directory.appendingPathComponent("key.pem").path }

    static func generate() throws -> Certificate {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ginkgo-net-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = Certificate(directory: directory)
        let openssl = try SpawnedProcess(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-keyout", certificate.privateKeyFile, "-out", certificate.certificateFile,
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ],
            output: .discard
        )
        guard openssl.waitUntilExit() == .exited(0) else { throw CertificateError() }
        return certificate
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    struct CertificateError: Error, CustomStringConvertible {
        var description: String { "openssl could not make a certificate (install the Debian package openssl)" }
    }
}
