import DverCore
import DverRemote
import DverRepository
import DverSystem
import DverTestSupport
import Foundation
import Testing

/// Temporary AWS credentials (STS): the session token must reach the server in
/// `x-amz-security-token`, inside the SigV4 signature, and nowhere else. Checked at the HTTP
/// level against a local server that records request heads: SeaweedFS looks a session token up
/// in its own STS, so it cannot accept a made-up one (it answers InvalidAccessKeyId).
@Suite("S3 session tokens")
struct SessionTokenTests {
    static let token = "FwoGZXIvYXdzEXAMPLE-session-token/with+symbols=="

    /// Where the token comes from.
    enum Source: String, CaseIterable, Sendable {
        case environment = "AWS_SESSION_TOKEN"
        case profile = "aws_session_token in the credentials file"
        case none = "no token"
    }

    func environment(_ source: Source, home: String) throws -> [String: String] {
        var environment = ["HOME": home, "AWS_REGION": "us-east-1"]
        switch source {
        case .environment:
            environment["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE"
            environment["AWS_SECRET_ACCESS_KEY"] = "secret-key-example"
            environment["AWS_SESSION_TOKEN"] = Self.token
        case .profile, .none:
            let tokenLine = source == .profile ? "aws_session_token = \(Self.token)\n" : ""
            try FileSystem.createDirectories("\(home)/.aws")
            try FileSystem.writeAtomically("\(home)/.aws/credentials", Array(
                "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret-key-example\n\(tokenLine)".utf8), durable: false)
        }
        return environment
    }

    @Test("the token goes in a signed x-amz-security-token header on every request, and into no file", arguments: Source.allCases)
    func tokenIsSentAndSigned(_ source: Source) throws {
        let server = try RecordingHTTPServer()
        defer { server.stop() }
        let sandbox = try Sandbox()
        let project = try sandbox.project("project")
        let remote = try project.addRemote("origin", url: "s3://bucket/prefix", endpoint: server.endpoint,
                                           environment: try environment(source, home: sandbox.path("home")))
        // GET index.json (404: no remote yet), then HEAD of the bucket (404: no bucket) ...
        expectError({ try FetchOperation(project: project.project, remote: remote).run() }) { error in
            if case RemoteError.bucketNotFound = error { return true }
            return false
        }
        // ... and a PUT with a body.
        expectError({ try remote.transport.put("packs/x", bytes: Array("data".utf8)) }) { _ in true }

        let requests = server.requests
        #expect(requests.count == 3)
        #expect(Set(requests.compactMap { $0.split(separator: " ").first.map(String.init) }) == ["GET", "HEAD", "PUT"])
        for request in requests {
            let headers = Self.headers(request)
            let signed = headers["authorization"]?.split(separator: "SignedHeaders=").last?.prefix { $0 != "," }
                .split(separator: ";").map(String.init) ?? []
            #expect(signed.contains("host"), "not signed: \(request)")
            if source == .none {
                #expect(headers["x-amz-security-token"] == nil)
                #expect(!signed.contains("x-amz-security-token"))
            } else {
                #expect(headers["x-amz-security-token"] == Self.token, "\(request)")
                #expect(signed.contains("x-amz-security-token"), "\(request)")
            }
        }
        let written = try project.files(under: ".dver")
        #expect(!written.values.contains { String(decoding: $0, as: UTF8.self).contains(Self.token) })
    }

    @Test("a token holding a line break is refused before any request")
    func tokenWithLineBreakIsRefused() throws {
        let sandbox = try Sandbox()
        let project = try sandbox.project("project")
        var environment = try self.environment(.environment, home: sandbox.root)
        environment["AWS_SESSION_TOKEN"] = "abc\r\nx-injected: 1"
        expectError({ try project.addRemote("origin", url: "s3://bucket", endpoint: "http://127.0.0.1:9", environment: environment) }) { error in
            guard case RemoteError.invalidCredentials(_, let reason) = error else { return false }
            return reason.contains("session token") && !"\(error)".contains("abc")
        }
    }

    /// Header name (lowercased) → value.
    static func headers(_ head: String) -> [String: String] {
        var headers = [String: String]()
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }
}
