import Foundation

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", certificate.privateKeyFile, "-out", certificate.certificateFile,
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CertificateError() }
        return certificate
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    struct CertificateError: Error, CustomStringConvertible {
        var description: String { "openssl could not make a certificate (install the Debian package openssl)" }
    }
}
